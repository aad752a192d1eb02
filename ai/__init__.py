"""Optional AI assistance through an OpenAI-compatible model; pure: imports nothing of the app."""
