"""The conversation, channel-agnostic: Incoming -> service calls -> [Reply]."""
