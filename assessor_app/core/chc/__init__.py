"""NHS Continuing Healthcare: the national tools' domains and levels, and MDT contributions.

Imports no Qt. `exchange` writes contribution files (atomically); `services.contributions`
moves contributions between a file and a DST record in the vault.
"""
