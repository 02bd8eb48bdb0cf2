"""Readers for the files the bot imports: each validates every row and names the line of each problem."""
