"""Numbered schema migrations, applied in order by `database.migrate`."""
