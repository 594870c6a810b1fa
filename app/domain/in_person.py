"""The in-person route: a binding checked by staff at a service centre instead of by face
recognition. The holder's printable slip carries a reference code staff look it up by."""

from __future__ import annotations

from app.domain.codes import CodeKind

_KIND = CodeKind(length=8, max_input=20)
new_reference, normalise_reference, display_reference = _KIND.new, _KIND.normalise, _KIND.display
