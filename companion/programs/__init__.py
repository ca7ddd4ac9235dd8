"""Mentoring programs: the unit a coordinator runs."""
