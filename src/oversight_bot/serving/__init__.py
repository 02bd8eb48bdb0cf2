"""Serving chat over HTTP without stalling: blocking work on a bounded pool with deadlines,
the replay guard shared through the store, metrics, and the light process supervisor."""
