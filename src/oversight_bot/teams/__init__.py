"""The Microsoft Teams adapter: the agent, Adaptive Cards and dialogs, `/api/messages`, alerts, the package."""
