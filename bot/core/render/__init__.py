"""The course rendered for people: standing facts, calendar views and the iCalendar export."""
