"""Routes parse, call a service and render; the request's unit of work commits once, in
app/routes/deps.provide_uow, after the handler. A route that commits would split a use case in
two, so none may (read from the code itself)."""

from __future__ import annotations

import ast
from pathlib import Path

ROUTES = Path(__file__).resolve().parents[2] / "app" / "routes"


def _outside_provide_uow(tree: ast.Module) -> list[ast.AST]:
    """The one function that may commit: the request's unit of work itself."""
    allowed = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.AsyncFunctionDef) and fn.name == "provide_uow"
        for node in ast.walk(fn)
    }
    return [node for node in ast.walk(tree) if id(node) not in allowed]


def _commits(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in _outside_provide_uow(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback", "flush"}
    ]


def test_no_route_module_commits() -> None:
    found = {p.name: lines for p in sorted(ROUTES.glob("*.py")) if (lines := _commits(p))}
    assert found == {}


def test_the_request_unit_of_work_is_the_one_that_commits() -> None:
    tree = ast.parse((ROUTES / "deps.py").read_text())
    assert len(_outside_provide_uow(tree)) < len(list(ast.walk(tree)))  # it is still there
    assert _commits(ROUTES / "deps.py") == []
