"""The plain-English engine: easy read lines.

Easy read is written in plain words with one idea to a line (`_easy_lines` cuts long
sentences at clauses, `_authority_lines` keeps the authority's own sentences whole). The
rules' reasons are never rewritten here: a rule gives the person's words itself
(`rules.Reason.person`). Imports no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assessor_app.core.pdf.document import (
    Para,
)
from assessor_app.core.pdf.letters.catalogue import _EASY_LINE_WORDS

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

_CLAUSE_STARTS = frozenset(
    "and but or so because which who then if when while although unless you we they it "
    "this that please".split()
)
"""Words that start a new clause after a comma; a comma before anything else is more likely
to separate the items of a list ("by phone, email or letter"), which must stay on one line."""

_EASY_LINE_MAX = 20
"""Easy read has no sentence longer than this. A sentence of the assessor's this long or
shorter is kept whole on its line; a longer one (the letter must still print it) is cut after
its clauses, and a clause still longer than this at any comma as a last resort. A sentence of
the authority's longer than this is left out of easy read (see `_authority_lines`)."""

_MORE_IN_STANDARD = ("There is more about this in our standard letter.", "Ask us for it.")


def _cut(sentence: str, at: Callable[[str, str], bool]) -> list[str]:
    """`sentence` cut after each punctuation mark (outside brackets) for which `at` holds.

    `at` is given the mark and the word after it.
    """
    pieces: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(sentence):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif ch in ",;:" and depth == 0 and sentence[i + 1 : i + 2] == " ":
            following = sentence[i + 2 :].split(" ", 1)[0].lower()
            if at(ch, following):
                pieces.append(sentence[start : i + 1].strip())
                start = i + 1
    pieces.append(sentence[start:].strip())
    return [p for p in pieces if p]


def _clauses(sentence: str) -> list[str]:
    """A sentence cut into its clauses.

    Cuts after a semicolon or colon, or a comma before a word that starts a clause; a clause
    still too long is cut at its other commas.
    """
    pieces: list[str] = []
    for piece in _cut(sentence, lambda mark, word: mark != "," or word in _CLAUSE_STARTS):
        if len(piece.split()) > _EASY_LINE_MAX:
            pieces.extend(_cut(piece, lambda _mark, _word: True))
        else:
            pieces.append(piece)
    return pieces


def _sentences(text: str) -> list[str]:
    """The sentences of `text`, exactly as written, whitespace squashed."""
    return [
        sentence
        for paragraph in text.splitlines()
        for sentence in _SENTENCE_END.split(" ".join(paragraph.split()))
        if sentence
    ]


def _easy_lines(text: str) -> list[str]:
    """The assessor's words laid out for easy read: one sentence to a line, words exact.

    A sentence of up to `_EASY_LINE_MAX` words is kept whole on its own line. A longer one is
    still printed (they are the record's words), broken after its clauses so that a line holds
    about one idea.
    """
    lines: list[str] = []
    for sentence in _sentences(text):
        if len(sentence.split()) <= _EASY_LINE_MAX:
            lines.append(sentence)
            continue
        current: list[str] = []
        for piece in _clauses(sentence):
            words = sum(len(p.split()) for p in current) + len(piece.split())
            if current and words > _EASY_LINE_WORDS:
                lines.append(" ".join(current))
                current = []
            current.append(piece)
        if current:
            lines.append(" ".join(current))
    return lines


def _authority_lines(text: str) -> tuple[list[str], bool]:
    """The authority's complaints or advocacy text for easy read, and whether any was left out.

    Each sentence is printed exactly, whole and alone on its line, so a line is one idea. A
    sentence of more than `_EASY_LINE_MAX` words is not easy read and cannot be reworded here,
    so it is left out; the letter then says that the standard letter has the rest, and says the
    essentials (looking again, the Ombudsman) in its own words. An authority gets every
    sentence printed by writing short ones in branding.yaml.
    """
    kept: list[str] = []
    left_out = False
    for sentence in _sentences(text):
        if len(sentence.split()) <= _EASY_LINE_MAX:
            kept.append(sentence)
        else:
            left_out = True
    return kept, left_out


def _sentence(text: str) -> str:
    """Text ending in a full stop (or its own ! or ?), for answers typed without one."""
    text = text.strip()
    return text if not text or text[-1] in ".!?" else f"{text}."


def _easy(*lines: str) -> Para:
    return Para("\n".join(line for line in lines if line))
