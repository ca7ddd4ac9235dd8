"""Long actions (matching, an import, an ingest) run in the background with their progress
in the database, so the page that started them returns at once."""
