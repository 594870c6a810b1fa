"""Numbers and codes as people type them: Chinese input methods give full-width digits and
letters (１２３, ＡＢ) and people add spaces or dashes for readability. NFKC folds the
full-width forms into ASCII; the separators carry no meaning and are dropped."""

from __future__ import annotations

import unicodedata

# Spaces of any width, and the dashes an input method may produce for "-".
_SEPARATORS = frozenset(" \t\u3000-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d")


def compact(raw: str) -> str:
    """Full-width forms folded to ASCII, upper-cased, without spaces or dashes."""
    folded = unicodedata.normalize("NFKC", raw).upper()
    return "".join(ch for ch in folded if ch not in _SEPARATORS and not ch.isspace())
