"""Fault tests: real desk processes killed, services failing, the database restarting."""
