"""db: the project registry (SQLite via sqlite-utils), reconciliation, checks and reports."""
