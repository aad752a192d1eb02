"""Desk services: organizations, users, cases, outbox; the rules both chat and scheduler call."""
