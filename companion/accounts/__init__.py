"""Users, their roles in programs, and API tokens."""
