"""Passphrase strength meter and a three-random-words suggestion for profile creation.

The estimate is a rough entropy count (character classes × length, with a bonus for words):
it only nudges people toward long passphrases; the vault's Argon2id cost does the real work.
"""

from __future__ import annotations

import math
import secrets

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

# Short, common, easy-to-spell words: a suggestion only, never stored.
WORDS = (
    "acorn anchor apple badger banjo basket beacon birch blanket bottle bramble bridge "
    "bucket cabin candle canal carrot castle cedar chalk cherry cliff clover cobble copper "
    "cotton crayon cricket daisy dolphin donkey dragon drum eagle ember falcon feather fern "
    "fiddle forest fossil garden ginger glacier goose granite harbour hazel hedge heron honey "
    "island ivy jacket jasmine kettle kite ladder lantern lemon lily lobster maple marble meadow "
    "mitten moss muffin nettle oak orchard otter paddle parrot pebble pepper pillow plum pocket "
    "pond puffin quilt rabbit raven ribbon river robin rocket saddle salmon shell slate spoon "
    "squirrel starling teapot thistle tiger timber toffee tulip turnip velvet violet walnut "
    "willow window wren yarrow zebra"
).split()

LEVELS = ("Too short", "Weak", "Fair", "Good", "Strong")


def suggest_passphrase(word_count: int = 3) -> str:
    """Three (or more) random words joined by hyphens, e.g. 'otter-lantern-plum'."""
    return "-".join(secrets.choice(WORDS) for _ in range(word_count))


def strength(passphrase: str) -> int:
    """0 (too short) to 4 (strong): a rough guide shown while typing."""
    if len(passphrase) < 8:
        return 0
    pool = 0
    pool += 26 if any(c.islower() for c in passphrase) else 0
    pool += 26 if any(c.isupper() for c in passphrase) else 0
    pool += 10 if any(c.isdigit() for c in passphrase) else 0
    pool += 33 if any(not c.isalnum() for c in passphrase) else 0
    bits = len(passphrase) * math.log2(max(pool, 2))
    words = len([w for w in passphrase.replace("-", " ").split() if len(w) >= 3])
    if words >= 3:
        bits = max(bits, 60.0)
    if len(set(passphrase)) <= 3:
        bits = min(bits, 20.0)
    return 1 if bits < 40 else 2 if bits < 55 else 3 if bits < 70 else 4


class PassphraseStrengthMeter(QWidget):
    """A bar and a word ('Weak', 'Good'...) that follow the passphrase being typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Passphrase strength")
        self.word = QLabel(LEVELS[0], self)
        self.word.setAccessibleName("Passphrase strength")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.word)
        self.update_for("")

    def update_for(self, passphrase: str) -> None:
        """Show the strength of `passphrase`."""
        level = strength(passphrase)
        self.bar.setValue(level)
        self.word.setText(LEVELS[level])
        self.bar.setAccessibleDescription(LEVELS[level])
