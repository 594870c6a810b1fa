"""The words of a transfer: places, lines, each agency step, and each refusal with its rule."""

from __future__ import annotations

from app.domain.regions import CITIES, CITY_BY_CODE, MAINLAND, PROVINCE_BY_CODE
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
    }.get(TransferState(state), str(state))


def agency_label(agency: Agency, from_region: str, to_region: str) -> str:
    if agency is Agency.FROM:
        return _("The agency in %(place)s (old place)") % {"place": region_label(from_region)}
    return _("The agency in %(place)s (new place)") % {"place": region_label(to_region)}


def step_label(line: TransferLine, stage: Stage, temporary: bool = False) -> str:
    """What the agency does in this step (国办发〔2009〕66号 art. 8; 医保办发〔2021〕43号)."""
    if temporary:
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
