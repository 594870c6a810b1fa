"""Every UI string is translated into Chinese, with its placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "app" / "i18n"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def _catalogue(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle)


def _source_strings() -> set[str]:
    """Extracted from the code now, so a string added without `make messages` is caught too."""
    found = extract_from_dir(
        str(ROOT),
        method_map=[("app/**.py", "python"), ("app/templates/**.html", "jinja2")],
        options_map={"app/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
    )
    strings: set[str] = set()
    for _filename, _line, message, _comments, _context in found:
        strings.update([message] if isinstance(message, str) else [m for m in message if m])
    return strings


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_every_string_has_a_chinese_translation_with_the_same_placeholders() -> None:
    template = _source_strings()
    assert len(template) > 100
    chinese: dict[str, str] = {}
    # Chinese has one plural form, used for every number: it carries the placeholders of the
    # English plural. The English singular may leave the number out ("only one spouse").
    wanted: dict[str, set[str]] = {}
    for m in _catalogue(I18N / "zh_Hans/LC_MESSAGES/messages.po"):
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid in ids:
            if msgid:
                chinese[msgid] = strings[0]
                wanted[msgid] = _placeholders(ids[-1])
        if len(ids) == 2:
            assert _placeholders(ids[0]) <= _placeholders(ids[1]), ids
    missing = sorted(msgid for msgid in template if not chinese.get(msgid))
    assert not missing, f"untranslated: {missing}"
    for msgid in template:
        assert wanted[msgid] == _placeholders(chinese[msgid]), msgid


HAN = re.compile(r"[\u3400-\u9fff]")
# What may keep ASCII punctuation inside a Chinese sentence: placeholders, web addresses and
# numbers (1,000; 08:30; 1.5).
NOT_PROSE = re.compile(
    r"\{[a-z_]*\}|%\([a-z_]+\)[sd]|[a-z0-9-]+(\.[a-z0-9-]+)*\.(cn|com|gov|org)\b|\d[\d,.:]*\d"
)
ASCII_PUNCTUATION = re.compile(r"[,.:;!?()]")


def ascii_punctuation_in_chinese(text: str) -> list[str]:
    """The ASCII commas, full stops, colons and brackets of Chinese prose, each shown with
    what surrounds it; Chinese text takes the full-width ones (，。：（）)."""
    if not HAN.search(text):
        return []
    prose = NOT_PROSE.sub("_", text)
    return [prose[max(m.start() - 8, 0) : m.end() + 8] for m in ASCII_PUNCTUATION.finditer(prose)]


def test_chinese_translations_use_full_width_punctuation() -> None:
    found = {}
    for m in _catalogue(I18N / "zh_Hans/LC_MESSAGES/messages.po"):
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for text in strings:
            if text and ascii_punctuation_in_chinese(text):
                found[m.id] = text
    assert not found, f"ASCII punctuation in Chinese: {found}"


def test_the_punctuation_scan_finds_what_it_should() -> None:
    assert ascii_punctuation_in_chinese("120条记录, 2006至2008.")
    assert ascii_punctuation_in_chinese("58岁0个月, 于2043年3月")
    assert ascii_punctuation_in_chinese("王芳(本人)")
    assert not ascii_punctuation_in_chinese("120条记录，2006至2008。")
    assert not ascii_punctuation_in_chinese("每月1,000至100,000元，利率1.5%，08:30")
    assert not ascii_punctuation_in_chinese("国家社会保险公共服务平台（si.12333.gov.cn）")
    assert not ascii_punctuation_in_chinese("{name}，{masked}")
    assert not ascii_punctuation_in_chinese("Wang Fang, 2006.")  # not Chinese
