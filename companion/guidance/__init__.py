"""The knowledge base as the service runs it: registry, ingestion, search."""
