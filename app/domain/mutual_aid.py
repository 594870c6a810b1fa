"""Family mutual aid of the employee personal medical account (职工医保个人账户家庭共济, §9).

国办发〔2021〕14号 let the account pay the self-paid costs at designated clinics and pharmacies of
the insured person's spouse, parents and children; 国办发〔2024〕38号 widened it to close relatives
(the Civil Code list: spouse, parents, children, siblings, grandparents and grandchildren on both
sides), who must be insured, and to their residents' premiums. The NHSA/MOF notice of January 2026
has the giver set a quota they cannot spend while it is allocated; unused quota returns when the
aid ends (either side may end it; it ends by itself when either side's insurance ends or moves).
A bill is settled from the relative's own account first, then the quota (DEFAULT).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from app.domain.affinity import Relationship

CLOSE_RELATIVES = frozenset(
    {
        Relationship.SPOUSE,
        Relationship.PARENT,
        Relationship.CHILD,
        Relationship.SIBLING,
        Relationship.GRANDPARENT,
        Relationship.GRANDCHILD,
    }
)


class AidRefused(enum.StrEnum):
    NOT_CLOSE_RELATIVE = "not_close_relative"
    GIVER_NOT_EMPLOYEE_INSURED = "giver_not_employee_insured"
    RELATIVE_NOT_INSURED = "relative_not_insured"
    QUOTA_NOT_POSITIVE = "quota_not_positive"
    QUOTA_OVER_BALANCE = "quota_over_balance"


class AidEnd(enum.StrEnum):
    """Why a link ended: by hand, replaced by a new quota, or by itself (§9: either side's
    insurance ended or moved; or the binding it was set through ended)."""

    ENDED = "ended"
    CHANGED = "changed"
    MOVED = "moved"
    UNBOUND = "unbound"
    GIVER_UNINSURED = "giver_uninsured"
    RELATIVE_UNINSURED = "relative_uninsured"


def lapse(*, giver_employee_insured: bool, relative_insured: bool) -> AidEnd | None:
    """Why a standing link ends by itself now, if it does: the giver has left the employee
    medical insurance, or the relative is in no basic medical insurance any more."""
    if not giver_employee_insured:
        return AidEnd.GIVER_UNINSURED
    if not relative_insured:
        return AidEnd.RELATIVE_UNINSURED
    return None


def is_close_relative(relationship: Relationship) -> bool:
    return relationship in CLOSE_RELATIVES


def refusal(
    relationship: Relationship,
    *,
    giver_employee_insured: bool,
    relative_insured: bool,
    quota: Decimal,
    spendable: Decimal,
) -> AidRefused | None:
    """Why a quota of `quota` for this relative cannot be set aside (spendable: the giver's
    balance less what is already set aside for others)."""
    if not is_close_relative(relationship):
        return AidRefused.NOT_CLOSE_RELATIVE
    if not giver_employee_insured:
        return AidRefused.GIVER_NOT_EMPLOYEE_INSURED
    if not relative_insured:
        return AidRefused.RELATIVE_NOT_INSURED
    if quota <= 0:
        return AidRefused.QUOTA_NOT_POSITIVE
    if quota > spendable:
        return AidRefused.QUOTA_OVER_BALANCE
    return None


@dataclass(frozen=True, slots=True)
class Settlement:
    """How a self-paid bill is met: the relative's own account, then the aid quota, then cash."""

    own: Decimal
    aid: Decimal
    cash: Decimal


def settle(bill: Decimal, own_account: Decimal, quota: Decimal) -> Settlement:
    if min(bill, own_account, quota) < 0:
        raise ValueError("a bill, a balance and a quota are never negative")
    own = min(bill, own_account)
    aid = min(bill - own, quota)
    return Settlement(own=own, aid=aid, cash=bill - own - aid)


def spendable(balance: Decimal, set_aside: Decimal) -> Decimal:
    """What the giver may still spend: the part set aside for relatives is not theirs to use."""
    return max(balance - set_aside, Decimal(0))
