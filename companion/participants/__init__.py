"""Participants of a program: import from CSV or JSON Lines, validated as a whole."""
