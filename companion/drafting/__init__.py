"""Drafting: the LLM gateway, the offline drafter, and drafts awaiting review."""
