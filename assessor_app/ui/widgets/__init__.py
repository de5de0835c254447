"""Reusable widget families: field editors, the signature pad, the passphrase meter, labels."""
