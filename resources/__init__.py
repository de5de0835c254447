"""Rates tables, fonts, branding, demo answers and icons the app ships with.

Installed as the data package `assessor_resources`; see `assessor_app/core/paths.py`.
"""
