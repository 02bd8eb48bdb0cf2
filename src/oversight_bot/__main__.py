"""`python -m oversight_bot` runs the command-line interface."""

from oversight_bot.cli.main import main

main()
