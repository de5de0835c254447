"""Assessor: offline-first adult social care assessments (desktop app, CLI and core)."""
