"""The Telegram channel: updates in (polling or webhook), the outbox out (Bot API)."""
