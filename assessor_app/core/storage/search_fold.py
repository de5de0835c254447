"""Names as search finds them: accents, case and the letters English keyboards lack folded.

"Nguyễn" is found from "nguyen", "Zoë" from "zoe", "Łukasz" from "lukasz" and "Søren" from
"soren". The caseload's search text is stored folded (schema 8) and every word typed is folded
the same way, so the index stays a plain LIKE over one column. Imports no Qt.
"""

from __future__ import annotations

import unicodedata

__all__ = ["SQL_FUNCTION", "fold_for_search"]

SQL_FUNCTION = "assessor_search_fold"
"""The name migrations call `fold_for_search` by (registered on every vault connection)."""

# Letters that are not a base letter plus an accent, so decomposition leaves them alone.
_OWN_LETTERS = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ß": "ss",
        "ŀ": "l",
        "ħ": "h",
        "ŧ": "t",
        # Apostrophes as people type them in O'Brien and N’Diaye.
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
    }
)


def fold_for_search(text: str) -> str:
    """`text` in lower case without accents, as stored and as searched for."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_OWN_LETTERS)
