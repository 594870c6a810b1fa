"""The words of a transfer: places, lines, each agency step, and each refusal with its rule."""

from __future__ import annotations

from typing import Any

from app.domain.regions import CITIES, CITY_BY_CODE, MAINLAND, PROVINCE_BY_CODE
from app.domain.retirement import YearMonth
from app.domain.scheme_conversion import Direction
from app.domain.scheme_conversion import Refusal as ConversionRefusal
from app.domain.transfer import TransferKind
from app.domain.transfer_steps import Agency, Refusal, Stage, TransferLine, TransferState
from app.routes.i18n import _, current_locale


def _chinese() -> bool:
    return current_locale.get().startswith("zh")


def region_label(code: str | None) -> str:
    """A six-digit address code as its city (and province, unless a municipality)."""
    if not code:
        return ""
    province = PROVINCE_BY_CODE.get(code[:2])
    city = CITY_BY_CODE.get(code[:4])
    if province is None:
        return code
    if city is None:
        return province.name_zh if _chinese() else province.name_en
    if _chinese():
        same = city.name_zh == province.name_zh
        return city.name_zh if same else f"{province.name_zh}{city.name_zh}"
    return (
        city.name_en if city.name_en == province.name_en else f"{city.name_en}, {province.name_en}"
    )


def city_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The shipped cities grouped by province, for one <select> with <optgroup>s."""
    grouped = []
    for province in MAINLAND:
        cities = [c for c in CITIES if c.province == province.code]
        if cities:
            label = province.name_zh if _chinese() else province.name_en
            names = [(c.code, c.name_zh if _chinese() else c.name_en) for c in cities]
            grouped.append((label, names))
    return grouped


def line_label(line: TransferLine | str) -> str:
    return {
        TransferLine.PENSION: _("Employee pension insurance"),
        TransferLine.MEDICAL: _("Medical insurance"),
    }.get(TransferLine(line), str(line))


def state_label(state: TransferState | str) -> str:
    return {
        TransferState.APPLIED: _("Applied for"),
        TransferState.LETTER_SENT: _("Letter of acceptance sent"),
        TransferState.TRANSFERRED_OUT: _("Transferred out"),
        TransferState.COMPLETED: _("Completed"),
        TransferState.REJECTED: _("Refused"),
        TransferState.AWAITING_MEMBER: _("Waiting for the person's own confirmation"),
        TransferState.WITHDRAWN: _("Withdrawn"),
    }.get(TransferState(state), str(state))


def _kind(kind: TransferKind | bool | str | None) -> TransferKind:
    """Templates pass a transfer's kind, or (older pages) whether it is a temporary account."""
    if isinstance(kind, bool) or kind is None:
        return TransferKind.TEMPORARY_ACCOUNT if kind else TransferKind.TRANSFER
    return TransferKind(kind)


def agency_label(
    agency: Agency, from_region: str, to_region: str, kind: TransferKind | None = None
) -> str:
    if kind is not None and kind.conversion:
        return _conversion_agency(agency, kind, from_region, to_region)
    if agency is Agency.FROM:
        return _("The agency in %(place)s (old place)") % {"place": region_label(from_region)}
    return _("The agency in %(place)s (new place)") % {"place": region_label(to_region)}


def _conversion_agency(agency: Agency, kind: TransferKind, from_region: str, to_region: str) -> str:
    """The agency of the scheme left (FROM) or joined (TO), with its place."""
    to_employee = kind is TransferKind.TO_EMPLOYEE
    employee = (agency is Agency.TO) == to_employee
    place = region_label(to_region if agency is Agency.TO else from_region)
    if employee:
        return _("The employee pension agency in %(place)s") % {"place": place}
    return _("The residents' pension agency in %(place)s") % {"place": place}


def _conversion_step(stage: Stage, kind: TransferKind) -> str:
    """人社部发〔2014〕17号 art. 7, in the words of the scheme joined and the scheme left."""
    if kind is TransferKind.TO_EMPLOYEE:
        texts = {
            TransferState.LETTER_SENT: _(
                "The employee pension agency reviews the application and sends the contact letter"
            ),
            TransferState.TRANSFERRED_OUT: _(
                "The residents' pension agency transfers the personal account out and ends the residents' insurance"
            ),
            TransferState.COMPLETED: _(
                "The employee pension agency adds the account to the employee personal account, and completes"
            ),
        }
    else:
        texts = {
            TransferState.LETTER_SENT: _(
                "The residents' pension agency reviews the application and sends the contact letter"
            ),
            TransferState.TRANSFERRED_OUT: _(
                "The employee pension agency transfers the personal account out and ends the employee insurance"
            ),
            TransferState.COMPLETED: _(
                "The residents' pension agency adds the account and the employee years, and completes"
            ),
        }
    return texts[stage.after]


def step_label(
    line: TransferLine, stage: Stage, kind: TransferKind | bool | str | None = False
) -> str:
    """What the agency does in this step (国办发〔2009〕66号 art. 8; 医保办发〔2021〕43号;
    人社部发〔2014〕17号 art. 7)."""
    found = _kind(kind)
    if found.conversion:
        return _conversion_step(stage, found)
    if found is TransferKind.TEMPORARY_ACCOUNT:
        return _("The new place opens the temporary contribution account")
    if stage.after is TransferState.LETTER_SENT:
        return _("The new place reviews the application and sends the letter of acceptance")
    if stage.after is TransferState.TRANSFERRED_OUT:
        if line is TransferLine.PENSION:
            return _("The old place transfers the relationship and the funds, and ends it there")
        return _("The old place transfers the insurance out")
    if line is TransferLine.PENSION:
        return _("The new place records the relationship and the funds, and completes")
    return _("The new place takes the insurance in and completes")


def refusal_message(refusal: Refusal, line: TransferLine, from_region: str, to_region: str) -> str:
    """The rule behind each refusal, in its own words (domain-rules §6)."""
    old, new = region_label(from_region), region_label(to_region)
    texts = {
        Refusal.DRAWS_PENSION: lambda: _(
            "People who already draw a pension do not transfer their pension insurance."
        ),
        Refusal.OPEN_TRANSFER: lambda: _(
            "A transfer of this insurance is already under way. Wait until it is completed or refused."
        ),
        Refusal.SAME_POOLING_AREA: lambda: (
            _(
                "Both places are in the same province, where the pension is pooled: there is nothing to transfer."
            )
            if line is TransferLine.PENSION
            else _(
                "Both places are in the same city, where medical insurance is pooled: there is nothing to transfer."
            )
        ),
        Refusal.NO_RECORDS: lambda: (
            _(
                "There are no contributions to this insurance on record in %(old)s, so there is nothing to transfer from there."
            )
            % {"old": old}
        ),
        Refusal.ARREARS: lambda: (
            _(
                "The account in %(old)s has unpaid contributions. Pay the arrears there first: only an account without arrears is transferred."
            )
            % {"old": old}
        ),
        Refusal.NOT_SUSPENDED: lambda: (
            _(
                "Contributions are still being paid in %(old)s. A transfer is applied for once the insurance there has stopped."
            )
            % {"old": old}
        ),
        Refusal.NOT_INSURED_AT_TO: lambda: (
            _(
                "There are no recent contributions in %(new)s. Apply once the insurance there has begun and contributions are being paid."
            )
            % {"new": new}
        ),
        Refusal.TEMPORARY_ACCOUNT: lambda: (
            _(
                "Men from 50 and women from 40 who move to a province that is not their hukou province keep the relationship in %(old)s: a temporary contribution account is opened in %(new)s instead of a transfer."
            )
            % {"old": old, "new": new}
        ),
        Refusal.RESIDENT_SAME_YEAR: lambda: _(
            "Residents' medical insurance is not transferred within the same year. Enrol at the new place for next year, then apply."
        ),
        Refusal.RETIRED_MEDICAL: lambda: _(
            "The employee medical insurance of someone who has retired is not transferred."
        ),
    }
    return texts[refusal]()


REFUSAL_FIELD = {
    Refusal.DRAWS_PENSION: "line",
    Refusal.OPEN_TRANSFER: "line",
    Refusal.RETIRED_MEDICAL: "line",
    Refusal.NO_RECORDS: "from_city",
    Refusal.ARREARS: "from_city",
    Refusal.NOT_SUSPENDED: "from_city",
    Refusal.SAME_POOLING_AREA: "to_city",
    Refusal.NOT_INSURED_AT_TO: "to_city",
    Refusal.TEMPORARY_ACCOUNT: "to_city",
    Refusal.RESIDENT_SAME_YEAR: "to_city",
}


def conversion_label(kind: TransferKind | Direction | str) -> str:
    """Which way the schemes join."""
    if TransferKind(str(kind)) is TransferKind.TO_EMPLOYEE:
        return _("Residents' pension into the employee pension")
    return _("Employee pension into the residents' pension")


def transfer_title(transfer: Any) -> str:
    """A transfer (a TransferView) as lists and its page name it."""
    if transfer.conversion:
        return _("Urban–rural conversion: %(way)s") % {"way": conversion_label(transfer.kind)}
    if transfer.temporary:
        return _("Temporary account in %(place)s") % {"place": region_label(transfer.to_region)}
    return _("Transfer of the %(line)s") % {"line": line_label(transfer.line)}


def months_label(months: int) -> str:
    """Contribution time as years and months."""
    years, rest = divmod(months, 12)
    return _("%(years)d years %(months)d months (%(total)d months)") % {
        "years": years,
        "months": rest,
        "total": months,
    }


def conversion_refusal_message(refusal: ConversionRefusal, retirement: YearMonth) -> str:
    """The rule behind each refusal of a conversion (人社部发〔2014〕17号)."""
    texts = {
        ConversionRefusal.DRAWS_PENSION: lambda: _(
            "The schemes are joined before a pension is drawn: someone who already draws a pension does not convert."
        ),
        ConversionRefusal.OPEN_CONVERSION: lambda: _(
            "A conversion is already open. Wait until it is completed, refused or withdrawn."
        ),
        ConversionRefusal.OPEN_TRANSFER: lambda: _(
            "A transfer of the pension insurance is under way. The schemes can be joined once it is completed."
        ),
        ConversionRefusal.NOT_BOTH: lambda: _(
            "A conversion joins the employee pension and the residents' pension: the records hold contributions to only one of them, so there is nothing to join."
        ),
        ConversionRefusal.NOT_AT_AGE: lambda: (
            _(
                "The schemes are joined at the employee retirement age, which is reached in %(month)s. Apply then."
            )
            % {"month": f"{retirement.year:04d}-{retirement.month:02d}"}
        ),
    }
    return texts[refusal]()
