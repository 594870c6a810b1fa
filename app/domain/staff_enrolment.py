"""The one-time code an operator gives a staff member to enrol their first passkey: a
password alone never adds a staff passkey."""

from __future__ import annotations

from app.domain.codes import CodeKind

LENGTH = 12  # 31^12, about 2^59: far beyond guessing within the sign-in limits
MAX_INPUT = 30
_KIND = CodeKind(LENGTH, MAX_INPUT)
new_code, normalise_code, display_code = _KIND.new, _KIND.normalise, _KIND.display
