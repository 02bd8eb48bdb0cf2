"""The terminal adapter: the same conversation as Slack and Teams, rendered with rich."""
