"""Mentoring relationships: agreements, sessions, goals, threads, feedback, closing, health."""
