"""Encrypted storage: the only package that talks to SQLCipher."""
