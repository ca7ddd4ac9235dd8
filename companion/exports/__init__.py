"""A program's data taken out by its coordinators: CSV or JSON Lines."""
