"""Where drafts, their versions and their owners are kept (SQLite by default)."""
