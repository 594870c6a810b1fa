"""Templates translated when they are compiled, one set per language.

A page calls `_("…")` some fifty times. Through Jinja's i18n extension each call is two context
calls, a catalogue look-up, a Markup and a `%` format, at every render; the signed-in home page
spent more time there than in its database read. The text is constant, so each language's
environment puts the translation into the compiled template instead: `_("Sign out")` compiles as
`("退出登录"|safe)`, which is what the runtime call returned (newstyle gettext marks a
translation safe under autoescape). Calls with arguments, a non-literal message or a `%` in
either text keep the runtime path, which formats them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from app.routes.i18n import translations


class CompiledGettext(Extension):
    """Rewrites `_("literal")` in the token stream for the environment's `gettext_locale`."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.extend(gettext_locale=None)

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        locale = self.environment.gettext_locale  # type: ignore[attr-defined]
        if locale is None:
            yield from stream
            return
        catalogue = translations(locale)
        window: list[Token] = []
        for token in stream:
            window.append(token)
            if len(window) < 4:
                continue
            constant = _constant_call(window, catalogue.gettext)
            if constant is None:
                yield window.pop(0)
                continue
            yield from constant
            window.clear()
        yield from window


def _constant_call(window: list[Token], gettext: Any) -> list[Token] | None:
    name, lparen, literal, rparen = window
    if not (
        name.type == "name"
        and name.value == "_"
        and lparen.type == "lparen"
        and literal.type == "string"
        and rparen.type == "rparen"
    ):
        return None
    text = gettext(literal.value)
    if "%" in literal.value or "%" in text:
        return None
    line = name.lineno
    return [
        Token(line, "lparen", "("),
        Token(line, "string", text),
        Token(line, "pipe", "|"),
        Token(line, "name", "safe"),
        Token(line, "rparen", ")"),
    ]
