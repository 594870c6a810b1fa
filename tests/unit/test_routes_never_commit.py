"""Routes parse, call a service and render: the use case's transaction is the service's. A
route that commits would split a use case in two, so none may (read from the code itself)."""

from __future__ import annotations

import ast
from pathlib import Path

ROUTES = Path(__file__).resolve().parents[2] / "app" / "routes"


def _commits(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback", "flush"}
    ]


def test_no_route_module_commits() -> None:
    found = {p.name: lines for p in sorted(ROUTES.glob("*.py")) if (lines := _commits(p))}
    assert found == {}
