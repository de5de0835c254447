"""Performance benchmarks: `python -m bench [--quick]` prints a plain-text report.

Every figure is set against a floor measured in the same run on the same machine (plain
stdlib sqlite3 for autosave, a bare PySide6 window for cold start), so a noisy or slow machine
moves both sides and the ratio stays meaningful. Nothing here is imported by the app.
"""
