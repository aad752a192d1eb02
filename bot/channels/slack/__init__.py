"""The Slack channel: events, commands and buttons in (bolt), the outbox out (Web API)."""
