"""The form engine: form definitions from ``forms/``, answers, outcomes and version upgrades.

Submodules: `definition` (dataclasses and loading), `answers` (validation, visibility,
progress, navigation), `evaluation` (problems and outcomes) and `migration` (answers between
form versions). Imports no Qt.
"""
