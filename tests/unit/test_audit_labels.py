"""Every action audited for a person (what others did for them, listed on their account page)
has a label of its own: none falls back to "Other action", no two share one."""

from __future__ import annotations

import ast
from pathlib import Path

from app.routes.labels import action_label

APP = Path(__file__).resolve().parents[2] / "app"
# Actions whose names are built at run time, as each builder can make them.
BUILT = {
    "_action": [
        *(f"face.{what}" for what in ("started", "matched", "failed", "unusable", "error")),
        "face.handoff_created",
        *(f"certification.{w}" for w in ("started", "passed", "failed", "unusable", "error")),
        "certification.handoff_created",
        *(f"conversion.face_{w}" for w in ("started", "matched", "failed", "unusable", "error")),
    ],
    "affinity.": ["affinity.revoked", "affinity.cancelled"],  # f"affinity.{ended.value}"
    "_AUDIT": [
        "staff.approved",
        "staff.rejected",
        "staff.documents_approved",
        "staff.documents_rejected",
    ],
    "action": ["qr.accepted", "qr.card_not_usable"],  # credentials: one or the other
    "NOT_ME": ["affinity.reported_not_me"],
    "scan_login.": ["scan_login.finished", "scan_login.timed_out"],  # f"scan_login.{how}"
    "booked": ["payment.confirmed", "payment.refund_due"],  # a payment booked, or to refund
    "ENROLLED": ["enrolment.resident_medical", "enrolment.resident_pension"],
}


def _built_key(node: ast.expr) -> str:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Subscript):
        return _built_key(node.value)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return node.value.id
    assert isinstance(node, ast.Name), ast.dump(node)
    return node.id


def _subject_actions() -> set[str]:
    """The action of every audit record that names a subject (the person it was done for)."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            keywords = {k.arg for k in node.keywords}
            if name != "record" or not node.args:
                continue
            if "subject" in keywords:
                action = node.args[0]
            elif len(node.args) >= 3 and isinstance(node.args[1], ast.Name):
                action = node.args[2]  # services.subject.record(uow, subject, action, ...)
            else:
                continue
            if isinstance(action, ast.Constant):
                found.add(str(action.value))
            else:
                found.update(BUILT[_built_key(action)])
    return found


def test_every_action_done_for_someone_has_its_own_label() -> None:
    actions = _subject_actions()
    assert {"transfer.applied", "qr.accepted", "face.error", "staff.approved"} <= actions
    fallback = action_label("no.such_action")
    unlabelled = sorted(a for a in actions if action_label(a) == fallback)
    assert not unlabelled, f"no label of their own: {unlabelled}"
    labels: dict[str, str] = {}
    for action in sorted(actions):
        assert action_label(action) not in labels, (action, labels.get(action_label(action)))
        labels[action_label(action)] = action
