"""Templates keep their globals as plain dicts (cheap for every context a page makes), and a
global set after a template has loaded still reaches it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.routes.web import jinja_envs, set_template_global

NAME = "test_only_global"


@pytest.fixture
def cleanup() -> Iterator[None]:
    yield
    for env in jinja_envs.values():
        env.globals.pop(NAME, None)
        for template in (env.cache or {}).values():
            template.globals.pop(NAME, None)


def _render(source: str) -> str:
    return jinja_envs["en"].from_string(source).render()


def test_a_template_globals_are_a_plain_dict() -> None:
    template = jinja_envs["en"].get_template("pages/accessibility.html")
    assert type(template.globals) is dict
    assert template.globals["page_address"] is jinja_envs["en"].globals["page_address"]


@pytest.mark.usefixtures("cleanup")
def test_a_global_set_after_loading_reaches_loaded_templates() -> None:
    env = jinja_envs["en"]
    loaded = env.get_template("pages/accessibility.html")
    set_template_global(NAME, "first")
    assert loaded.globals[NAME] == "first"
    set_template_global(NAME, "second")
    assert env.get_template("pages/accessibility.html").globals[NAME] == "second"
    assert _render("{{ test_only_global }}") == "second"
