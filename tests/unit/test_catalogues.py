"""Every UI string is translated into Chinese, with its placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

I18N = Path(__file__).resolve().parents[2] / "app" / "i18n"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def _catalogue(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_string_has_a_chinese_translation_with_the_same_placeholders() -> None:
    template = {m.id for m in _catalogue(I18N / "messages.pot") if m.id}
    chinese = {m.id: m.string for m in _catalogue(I18N / "zh_Hans/LC_MESSAGES/messages.po") if m.id}
    missing = sorted(msgid for msgid in template if not chinese.get(msgid))
    assert not missing, f"untranslated: {missing}"
    for msgid in template:
        assert set(PLACEHOLDER.findall(str(msgid))) == set(PLACEHOLDER.findall(str(chinese[msgid]))), msgid
