"""Passphrase strength meter and a three-random-words suggestion for profile creation.

The estimate is `core.passphrases.strength`; the vault refuses what it rates below "Fair".
"""

from __future__ import annotations

import secrets

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from assessor_app.core.passphrases import LEVELS, strength

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


def suggest_passphrase(word_count: int = 3) -> str:
    """Three (or more) random words joined by hyphens, e.g. 'otter-lantern-plum'."""
    return "-".join(secrets.choice(WORDS) for _ in range(word_count))


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
