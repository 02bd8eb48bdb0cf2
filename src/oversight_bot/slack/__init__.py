"""The Slack adapter: Bolt listeners that parse, call the chat layer, and render Block Kit. No
business logic lives here, and nothing here touches the store."""
