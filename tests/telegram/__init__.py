"""Tests of the Telegram channel: unit, in-process against the fake Bot API, end to end."""
