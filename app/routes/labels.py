"""Translated labels for stored values (relationships, binding states)."""

from __future__ import annotations

from app.domain.affinity import BindingState
from app.routes.i18n import _


def relationship_label(value: str) -> str:
    labels = {
        "spouse": _("Spouse"),
        "parent": _("Parent"),
        "child": _("Child"),
        "grandparent": _("Grandparent"),
        "grandchild": _("Grandchild"),
        "sibling": _("Brother or sister"),
        "other": _("Other close relative"),
    }
    return labels.get(value, value)


def state_label(value: str) -> str:
    labels = {
        BindingState.AWAITING_FACE.value: _("Awaiting face recognition"),
        BindingState.ACTIVE.value: _("Active"),
        BindingState.REVOKED.value: _("Revoked"),
        BindingState.EXPIRED.value: _("Expired"),
        BindingState.CANCELLED.value: _("Request cancelled"),
        BindingState.NEEDS_IN_PERSON.value: _("Needs an in-person check"),
        BindingState.REJECTED.value: _("Refused after the in-person check"),
    }
    return labels.get(value, value)
