"""Rendering, signing and checking PDFs. Imports no Qt."""
