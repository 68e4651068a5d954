"""Settings file, SQLite history, keyring secrets, the profile lock. Qt-free zone."""
