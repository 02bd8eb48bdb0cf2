"""The alert worker: outbox events fanned out to subscriptions, then sent, one channel at a time."""
