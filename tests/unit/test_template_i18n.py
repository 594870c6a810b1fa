"""Constant texts are translated as templates compile, and render as the runtime call did."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from app.routes.i18n import LOCALES, current_locale, gettext, ngettext
from app.routes.template_i18n import CompiledGettext
from app.routes.web import TEMPLATES, jinja_envs

SOURCES = {
    "plain": '{{ _("Sign out") }}',
    "in_expression": '{% set label = _("Sign out") %}<b>{{ label ~ "&" }}</b>',
    "with_argument": '{{ _("Hello %(name)s", name=who) }}',
    "escaped_argument": "{{ _(text) }}",
    "percent": '{{ _("100%% sure") }}',
}


def _env(locale: str | None) -> Environment:
    env = Environment(
        loader=DictLoader(SOURCES), autoescape=True, extensions=["jinja2.ext.i18n", CompiledGettext]
    )
    env.gettext_locale = locale  # type: ignore[attr-defined]
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", SOURCES)
def test_compiled_texts_render_as_the_runtime_call(locale: str, name: str) -> None:
    token = current_locale.set(locale)
    try:
        context = {"who": "<王芳>", "text": "<i>Sign out</i>"}
        compiled = _env(locale).get_template(name).render(context)
        runtime = _env(None).get_template(name).render(context)
    finally:
        current_locale.reset(token)
    assert compiled == runtime


def test_the_chinese_templates_hold_the_translation_not_a_call() -> None:
    source = _env("zh_Hans").compile('{{ _("Sign out") }}', raw=True)
    assert "退出登录" in source
    assert "gettext" not in source


def test_every_template_compiles_in_every_language() -> None:
    names = [p.relative_to(TEMPLATES).as_posix() for p in Path(TEMPLATES).rglob("*.html")]
    assert names
    for env in jinja_envs.values():
        for name in names:
            env.get_template(name)
