"""English as the console writes it: Django's English formats, but short dates the ISO way (2026-03-31)."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
