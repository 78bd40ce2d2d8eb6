"""Language: text normalisation, Finglish, the engine's words, the Jalali calendar, strings."""
