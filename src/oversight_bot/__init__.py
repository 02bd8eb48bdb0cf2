"""oversight-bot: NHS Oversight Framework segments, alerts and concerns in Slack, Teams and a terminal."""

__version__ = "0.1.0"
