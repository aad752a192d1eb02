"""Hostile input and authorization tests for the desk."""
