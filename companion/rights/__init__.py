"""A person's rights over their data: a copy of it, its erasure, and how long it is kept."""
