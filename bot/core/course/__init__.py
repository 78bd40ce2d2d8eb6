"""The course: the course file's schema, its loader and the dated course built from it."""
