"""Notifications: who is told what, by email or in the program's team chat, and when."""
