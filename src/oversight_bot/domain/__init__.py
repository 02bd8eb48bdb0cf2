"""The rules core: pure Python, no I/O, no clock, no environment, no third-party imports."""
