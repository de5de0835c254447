"""NHS Continuing Healthcare: the national tools' domains and levels, and MDT contributions.

Imports no Qt; only `exchange` writes files (atomically, through `storage.atomic`).
"""
