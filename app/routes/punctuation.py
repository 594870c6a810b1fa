"""Sentences built from pieces, punctuated as the language punctuates: Chinese takes the
full-width comma, full stop, colon and brackets (，。：（）), English the ASCII ones. Each
join is a message of its own, so the catalogue decides; the pieces are escaped."""

from __future__ import annotations

from markupsafe import Markup, escape

from app.routes.i18n import gettext as _


def _join(template: str, **parts: object) -> Markup:
    """The join's own text is escaped like the pieces: a catalogue entry cannot add markup."""
    return escape(template).format(**parts)


def comma(first: object, second: object) -> Markup:
    return _join(_("{first}, {second}"), first=first, second=second)


def full_stop(sentence: object) -> Markup:
    return _join(_("{sentence}."), sentence=sentence)


def colon(label: object, value: object) -> Markup:
    return _join(_("{label}: {value}"), label=label, value=value)


def bracket(text: object, note: object) -> Markup:
    return _join(_("{text} ({note})"), text=text, note=note)


def semicolon(first: object, second: object) -> Markup:
    return _join(_("{first}; {second}"), first=first, second=second)


def then(first: object, second: object) -> Markup:
    """Two sentences: a space between them in English, none after a Chinese full stop."""
    return _join(_("{first} {second}"), first=first, second=second)


JOINS = {
    "comma": comma,
    "full_stop": full_stop,
    "colon": colon,
    "bracket": bracket,
    "semicolon": semicolon,
    "then": then,
}
