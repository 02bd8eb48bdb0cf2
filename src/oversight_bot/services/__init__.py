"""Use cases, written against the small ports in `ports.py`; both chat platforms and the CLI call these."""
