"""Mentoring Companion: the application core (domain model, storage, use cases)."""

import os

# Set before any library that reads them is imported, in every process that
# imports the core: litellm must not fetch its price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
