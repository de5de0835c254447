"""Use cases: the steps a user takes, each above the repositories, the form engine and PDFs.

One home for what the app and the CLI both do (start, complete, amend, finalise and sign a
record, make a letter, write a PDF, the signing identity, record and MDT contribution files in
and out), so that both refuse in the same words and sync has one place to hook into.
Views and commands call these; these call storage, the form engine, rules and pdf, which never
import this package (tests/core/test_layering.py).
See docs/decisions/0003-use-cases-in-services.md.
"""
