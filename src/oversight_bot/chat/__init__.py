"""The platform-neutral conversation layer: text in, a `Reply` view model out. Slack, Teams and
the console only translate to and from it."""
