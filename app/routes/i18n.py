"""Locale per request (cookie, then Accept-Language, then Chinese) and gettext for Jinja and routes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.dates import format_datetime, get_timezone
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from markupsafe import Markup, escape

CATALOGUES = Path(__file__).resolve().parent.parent / "i18n"
LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
LANG_COOKIE = "lang"
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}
_ALIASES = {"zh": "zh_Hans", "zh_CN": "zh_Hans", "zh_Hans_CN": "zh_Hans", "zh_SG": "zh_Hans"}

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def in_chinese(text: object) -> Markup:
    """Chinese text (a person's name) as such on a page in another language, so that a screen
    reader speaks it in Chinese (WCAG 3.1.2); as it is on a Chinese page."""
    if current_locale.get() == "zh_Hans" or not _HAN.search(str(text)):
        return escape(text)
    return Markup('<span lang="zh-Hans">{}</span>').format(text)


def with_names(message: str, **names: object) -> Markup:
    """A translated message with `{name}`-style places for names, each marked by in_chinese."""
    return escape(message).format(**{key: in_chinese(value) for key, value in names.items()})


@cache
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(CATALOGUES), [locale], domain="messages")


def gettext(message: str) -> str:
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a message for `make messages` where it is kept untranslated, in a module's table,
    and translated when used (translated_label): the table is built once, not per call."""
    return message


def translated_label(labels: Mapping[str, str], key: str, default: str) -> str:
    """The translated label of `key` in a table of N_-marked messages, or `default`."""
    found = labels.get(key)
    return default if found is None else gettext(found)


def _from_accept_language(header: str) -> str:
    preferred = []
    for part in header.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag:
            preferred.append(_ALIASES.get(tag, tag))
    return negotiate_locale(preferred, list(LOCALES)) or DEFAULT_LOCALE


def choose_locale(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LOCALES:
        return cookie
    return _from_accept_language(accept_language or "")


# How each language names itself on the switch: "简体中文" as Chinese readers write it, not
# the CLDR form "中文 (简体)" with its ASCII brackets.
_OWN_NAMES = {"zh_Hans": "简体中文"}


def locale_display_name(locale: str) -> str:
    return _OWN_NAMES.get(locale) or Locale.parse(locale).get_display_name(locale) or locale


class LocaleMiddleware:
    """Sets the locale for everything rendered during the request, error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        cookie = _cookie_value(headers.get(b"cookie", b"").decode("latin-1"), LANG_COOKIE)
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        token = current_locale.set(choose_locale(cookie, accept))
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)


def _cookie_value(cookie_header: str, name: str) -> str | None:
    for part in cookie_header.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name:
            return value
    return None


DISPLAY_TZ = "Asia/Shanghai"


def format_moment(moment: datetime) -> str:
    """A date and time in China Standard Time, in the reader's language."""
    return format_datetime(
        moment, "medium", tzinfo=get_timezone(DISPLAY_TZ), locale=current_locale.get()
    )


def format_money(amount: Decimal | int | float | None) -> str:
    """CNY with the language's symbol, separators and two decimals."""
    if amount is None:
        return "–"
    return format_currency(Decimal(amount), "CNY", locale=current_locale.get())


def format_fen(fen: int | None) -> str:
    """An amount kept in fen, as money."""
    return format_money(None if fen is None else Decimal(fen) / 100)


def format_number(value: Decimal | int | float, places: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(value), format=pattern, locale=current_locale.get())


def format_megabytes(size: int) -> str:
    """A size in bytes as the number of MB (MiB, as upload limits are set), to one decimal."""
    return format_decimal(
        Decimal(size) / (1024 * 1024), format="#,##0.#", locale=current_locale.get()
    )
