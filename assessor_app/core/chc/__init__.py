"""NHS Continuing Healthcare: the national tools' domains and levels, and MDT contributions.

Imports no Qt and no storage module.
"""
