"""Errors of the shell that must be importable without loading settings or the database."""


class SettingsError(Exception):
    """A setting has a bad value; the message names the setting in one line."""
