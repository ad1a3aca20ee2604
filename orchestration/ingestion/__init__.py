"""Landing zone to raw tables: every line loaded or quarantined, every file audited."""
