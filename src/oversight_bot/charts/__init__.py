"""Charts drawn from the chat layer's `Chart` view models: a PNG server-side with matplotlib (the Agg
backend, no display), cached per data version, for Slack, Teams and the console (docs/positions.md).

matplotlib is imported only where a chart is drawn, so that the command line starts fast.
"""
