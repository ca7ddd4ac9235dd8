"""Matching: scoring mentor-mentee pairs, solving the whole cohort, explaining it."""
