"""Fakes of outside services (a local Bot API server) for end-to-end tests on 127.0.0.1 only."""
