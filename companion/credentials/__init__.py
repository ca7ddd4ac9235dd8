"""Invitations, password resets and changes, and the emails that carry them."""
