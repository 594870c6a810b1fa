"""Where a request came from, as the audit trail records it."""

from __future__ import annotations

from dataclasses import dataclass

ADDRESS_MAX = 45  # the longest IPv6 text form
USER_AGENT_MAX = 200


@dataclass(frozen=True, slots=True)
class Origin:
    address: str
    user_agent: str

    @classmethod
    def of(cls, address: str, user_agent: str) -> Origin:
        """Cut to what the audit columns hold (a user agent is whatever the client sends)."""
        return cls(address[:ADDRESS_MAX], user_agent[:USER_AGENT_MAX])


NOWHERE = Origin("", "")  # work that no request started (jobs, operator commands)
