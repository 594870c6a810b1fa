"""Policy values in what people read come from the policy: each field that appears in a text is
set to an unusual value (POLICY_<FIELD>) and the page or message shows it, in English and in
Chinese, and not the default. A guard keeps the defaults from being typed into texts again."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.images import ImageRejected
from app.config import Settings
from app.db.models import ContributionRecord, FaceCheck
from app.domain.affinity import BindingRefused
from app.domain.certification import add_months
from app.domain.identity import parse_id_number
from app.domain.policy import Policy
from app.routes.i18n import current_locale
from app.routes.messages import (
    binding_refused_message,
    image_message,
    invalid_code_message,
    wrong_pin_message,
)
from app.services import face as face_service
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly, seed_histories
from tests.conftest import csrf_token, shown, sign_in
from tests.integration.test_affinity_wizard import (
    EN,
    MOTHER,
    SON,
    _checked,
    _details,
    _documents,
    _post,
    _through_notice,
    face,
)

Client = AsyncTestClient[Litestar]
ZH: dict[str, str] = {}  # no preference: the portal's default, Chinese
ROOT = Path(__file__).resolve().parents[2]

WANG_FANG = "110105198503140224"  # the demo holder
FATHER = "110105195611200171"  # a pensioner
HUSBAND = "110105198309210137"
CHEN_MING = "440106199207150513"  # an unrelated holder
ZHAO_LI = "320102199001010889"  # in the registry only

Visit = Callable[[Client, dict[str, str]], Awaitable[str]]
Setup = Callable[[Client, UnitOfWork, Settings], Awaitable[Visit]]


@dataclass(frozen=True)
class Seen:
    """What one language shows with the value set, and what it would show by default."""

    shown: tuple[str, ...]
    not_shown: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    field: str
    value: str
    where: str
    setup: Setup
    en: Seen
    zh: Seen

    @property
    def id(self) -> str:
        return f"{self.field}={self.value}-{self.where}"


# --- set-ups: each leaves the client where the text is, and says how to get it again -------


async def _open(
    uow: UnitOfWork, settings: Settings, holder: str, member: str, relationship: str
) -> UUID:
    return await open_binding_directly(
        uow,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(holder),
        member=parse_id_number(member),
        relationship=relationship,
        proof=face(),
    )


def _get(path: str) -> Visit:
    async def visit(client: Client, headers: dict[str, str]) -> str:
        response = await client.get(path, headers=headers)
        assert response.status_code in (200, 422), response.text
        return response.text

    return visit


async def _mother_awaiting_face(client: Client) -> str:
    """王芳 adds her mother through the wizard: the binding waits for face recognition."""
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    await _documents(client, proof=face())
    check = await client.get("/affinity/add/check")
    response = await _post(client, "/affinity/add/check", {"checked": _checked(check.text)})
    return str(response.headers["location"])  # type: ignore[attr-defined]


async def member_page(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    return _get(await _mother_awaiting_face(client))


async def handoff_page(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    member_url = await _mother_awaiting_face(client)
    await _post(client, f"{member_url}/handoff", {})
    return _get(f"{member_url}/handoff")


async def verify_wrong_code(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    return _get("/verify/ABCD-2345")  # no such code: nobody is signed in


async def _father_due(client: Client, uow: UnitOfWork, settings: Settings) -> str:
    binding = await _open(uow, settings, WANG_FANG, FATHER, "parent")
    father = await uow.people.by_id_number(parse_id_number(FATHER))
    assert father
    father.last_certified_on = add_months(utcnow().date(), -13)
    await uow.commit()
    await sign_in(client)
    return f"/family/{binding}/certification"


async def certification_page(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    return _get(await _father_due(client, uow, settings))


async def certification_handoff(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    url = await _father_due(client, uow, settings)
    await _post(client, f"{url}/handoff", {})
    return _get(f"{url}/handoff")


async def failed_face_check(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    """One failed match on record for the mother's binding, as the worker would leave it."""
    member_url = await _mother_awaiting_face(client)
    binding = await uow.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding
    binding.face_failures_total = binding.face_failures_recent = 1
    check = FaceCheck(binding_id=binding.id, state=face_service.FAILED, decided_at=utcnow())
    uow.db.add(check)
    await uow.commit()
    return _get(f"{member_url}/face/{check.id}")


def _details_refused(member: tuple[str, str], relationship: str) -> Visit:
    async def visit(client: Client, headers: dict[str, str]) -> str:
        token = await csrf_token(client, "/account")
        response = await client.post(
            "/affinity/add/details",
            data={
                "_csrf_token": token,
                "name": member[0],
                "id_number": member[1],
                "relationship": relationship,
            },
            headers=headers,
        )
        assert response.status_code == 422, response.text
        return response.text

    return visit


async def too_many_members(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    await _open(uow, settings, WANG_FANG, MOTHER[1], "parent")
    await _open(uow, settings, WANG_FANG, FATHER, "parent")
    await _through_notice(client)
    return _details_refused(SON, "child")


async def too_many_spouses(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    await _open(uow, settings, WANG_FANG, HUSBAND, "spouse")
    await _open(uow, settings, WANG_FANG, ZHAO_LI, "spouse")
    await _through_notice(client)
    return _details_refused(("陈明", CHEN_MING), "spouse")


async def too_many_holders(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    await _open(uow, settings, CHEN_MING, MOTHER[1], "other")
    await _open(uow, settings, HUSBAND, MOTHER[1], "other")
    await _through_notice(client)
    return _details_refused(MOTHER, "parent")


async def son_documents(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    await _through_notice(client)
    await _details(client, *SON, "child")
    return _get("/affinity/add/documents")


def _upload_refused(data: bytes) -> Visit:
    async def visit(client: Client, headers: dict[str, str]) -> str:
        token = await csrf_token(client, "/account")
        response = await client.post(
            "/affinity/add/documents",
            data={"_csrf_token": token},
            files={"proof": ("proof.png", data, "image/png")},
            headers=headers,
        )
        assert response.status_code == 422, response.text
        return response.text

    return visit


async def upload_too_large(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    return _upload_refused(b"\xff\xd8\xff" + b"0" * settings.policy.upload_max_bytes)


async def upload_too_many_pixels(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    png = io.BytesIO()
    Image.new("RGB", (2001, 2001), "white").save(png, "PNG")  # 4 megapixels
    return _upload_refused(png.getvalue())


async def wrong_pin(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    """A wrong current PIN on the change-PIN form; each visit spends one more try."""
    await sign_in(client)

    async def visit(client: Client, headers: dict[str, str]) -> str:
        token = await csrf_token(client, "/account/pin")
        response = await client.post(
            "/account/pin",
            data={
                "_csrf_token": token,
                "old_pin": "000001",
                "new_pin": "370258",
                "confirm_pin": "370258",
            },
            headers=headers,
        )
        assert response.status_code == 422, response.text
        return response.text

    return visit


async def own_pension(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    await seed_histories(uow, utcnow().date())
    await sign_in(client)
    return _get("/my/pension")


async def residents_pension(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    person = await uow.people.by_id_number(parse_id_number(ZHAO_LI))
    assert person
    await uow.contributions.add_many(
        ContributionRecord(
            person_id=person.id, line="pension", scheme="resident", year=year, month=1,
            months_covered=12, base=Decimal("0.00"), employer_part=Decimal("0.00"),
            individual_part=Decimal("500.00"), status="paid", region_code="320102",
        )
        for year in range(2016, 2026)
    )  # fmt: skip
    await uow.commit()
    binding = await _open(uow, settings, WANG_FANG, ZHAO_LI, "other")
    await sign_in(client)
    return _get(f"/family/{binding}/pension")


async def premium_out_of_window(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    """赵丽, in no medical scheme, about to pay this year's residents' premium: its window
    closed at the end of last year, so the check page states the waiting period."""
    binding = await _open(uow, settings, WANG_FANG, ZHAO_LI, "other")
    await sign_in(client)
    return _get(f"/family/{binding}/payments/premium/{utcnow().year}")


async def residents_pension_grades(client: Client, uow: UnitOfWork, settings: Settings) -> Visit:
    """赵丽, who may join the residents' pension: the grades and the pension each buys."""
    binding = await _open(uow, settings, WANG_FANG, ZHAO_LI, "other")
    await sign_in(client)
    return _get(f"/family/{binding}/payments/pension")


# --- the cases --------------------------------------------------------------------------------

# The policy fields whose values people read (a number, an amount, a rate).
IN_TEXTS = {
    "handoff_code_minutes",
    "face_wait_minutes",
    "face_failures_before_wait",
    "max_members_per_holder",
    "max_spouses_per_holder",
    "max_holders_per_member",
    "face_photo_under_age",
    "upload_max_bytes",
    "upload_max_pixels",
    "pin_max_failures",
    "pin_lock_hours",
    "account_interest_rate_2025",
    "residents_basic_pension",
    "waiting_fixed_months",
    "newborn_cover_days",
    "residents_basic_pension_2026",
    "residents_pension_age",
}

CASES = [
    Case(
        "handoff_code_minutes",
        "17",
        "member page",
        member_page,
        Seen(("with a code that works once for 17 minutes.",), ("30 minutes",)),
        Seen(("验证码只能使用一次，17分钟内有效。",), ("30分钟",)),
    ),
    Case(
        "handoff_code_minutes",
        "1",
        "member page",
        member_page,
        Seen(("with a code that works once for 1 minute.",), ("30 minutes", "1 minutes")),
        Seen(("验证码只能使用一次，1分钟内有效。",), ("30分钟",)),
    ),
    Case(
        "handoff_code_minutes",
        "17",
        "handoff page",
        handoff_page,
        Seen(("It works once, for 17 minutes.",), ("30 minutes",)),
        Seen(("验证码只能使用一次，17分钟内有效。",), ("30分钟",)),
    ),
    Case(
        "handoff_code_minutes",
        "17",
        "wrong code",
        verify_wrong_code,
        Seen(("It may have been used or be over 17 minutes old.",), ("30 minutes",)),
        Seen(("可能已使用或已超过17分钟",), ("30分钟",)),
    ),
    Case(
        "handoff_code_minutes",
        "17",
        "certification page",
        certification_page,
        Seen(("王建国 can certify on their own phone", "works once for 17 minutes."), ("30 min",)),
        Seen(("王建国可以用自己的手机进行认证", "17分钟内有效"), ("30分钟",)),
    ),
    Case(
        "handoff_code_minutes",
        "17",
        "certification handoff page",
        certification_handoff,
        Seen(("On their phone, 王建国 scans", "It works once, for 17 minutes."), ("30 min",)),
        Seen(("请王建国用自己的手机", "17分钟内有效"), ("30分钟",)),
    ),
    Case(
        "face_wait_minutes",
        "23",
        "failed match",
        failed_face_check,
        Seen(("You can try 4 more times before a 23-minute wait.",), ("30-minute",)),
        Seen(("还可尝试4次，之后需等待23分钟。",), ("30分钟",)),
    ),
    Case(
        "face_failures_before_wait",
        "7",
        "failed match",
        failed_face_check,
        Seen(("You can try 6 more times before a 30-minute wait.",), ("try 4 more",)),
        Seen(("还可尝试6次",), ("还可尝试4次",)),
    ),
    Case(
        "max_members_per_holder",
        "2",
        "details refused",
        too_many_members,
        Seen(("You already have the most family members allowed (2).",), ("(8)",)),
        Seen(("您添加的家庭成员已达上限（2人）",), ("（8人）",)),
    ),
    Case(
        "max_spouses_per_holder",
        "2",
        "details refused",
        too_many_spouses,
        Seen(("You can add only 2 spouses",), ("only one spouse",)),
        Seen(("只能添加2名配偶",), ("只能添加1名配偶",)),
    ),
    Case(
        "max_holders_per_member",
        "2",
        "details refused",
        too_many_holders,
        Seen(("already has the most card holders acting for them (2)",), ("(5)",)),
        Seen(("代办业务的持卡人已达上限（2人）",), ("（5人）",)),
    ),
    Case(
        "face_photo_under_age",
        "17",
        "documents step",
        son_documents,
        Seen(
            ("Because they are under 17, a face photo", "Needed because they are under 17."),
            ("under 16",),
        ),
        Seen(("对方未满17周岁，还需上传", "对方未满17周岁，需上传此照片"), ("16周岁",)),
    ),
    Case(
        "upload_max_bytes",
        str(3 * 1024 * 1024),
        "documents step",
        son_documents,
        Seen(
            (
                "A JPG or PNG, smaller than 3 MB.",
                "covering the face. A JPG or PNG, smaller than 3 MB.",
            ),
            ("than 5 MB",),
        ),
        Seen(("JPG或PNG格式，小于3MB。",), ("于5MB",)),
    ),
    Case(
        "upload_max_bytes",
        str(5 * 1024 * 1024 // 2),
        "documents step",
        son_documents,
        Seen(("A JPG or PNG, smaller than 2.5 MB.",), ("than 5 MB",)),
        Seen(("JPG或PNG格式，小于2.5MB。",), ("于5MB",)),
    ),
    Case(
        "upload_max_bytes",
        str(3 * 1024 * 1024),
        "too large",
        upload_too_large,
        Seen(("The relationship document must be smaller than 3 MB",), ("than 5 MB",)),
        Seen(("须小于3MB",), ("于5MB",)),
    ),
    Case(
        "upload_max_pixels",
        "3000000",
        "too many pixels",
        upload_too_many_pixels,
        Seen(("The relationship document must be at most 3 megapixels",), ("40 megapixels",)),
        Seen(("不能超过3百万像素",), ("40百万像素",)),
    ),
    # Each visit spends a try: English sees the first wrong PIN, Chinese the second.
    Case(
        "pin_max_failures",
        "9",
        "wrong PIN",
        wrong_pin,
        Seen(("You have 8 more tries before PIN use is locked",), ("You have 5 more tries",)),
        Seen(("再输错7次",), ("再输错4次",)),
    ),
    Case(
        "pin_lock_hours",
        "3",
        "wrong PIN",
        wrong_pin,
        Seen(("You have 5 more tries before PIN use is locked for 3 hours<",), ("24 hours",)),
        Seen(("再输错4次，密码将被锁定3小时",), ("24小时",)),
    ),
    Case(
        "pin_lock_hours",
        "1",
        "wrong PIN",
        wrong_pin,
        Seen(("before PIN use is locked for 1 hour<",), ("24 hours", "1 hours")),
        Seen(("密码将被锁定1小时",), ("24小时",)),
    ),
    Case(
        "account_interest_rate_2025",
        "2.37",
        "pension estimate",
        own_pension,
        Seen(("(2.37 per cent for 2025 until the notice is published)",), ("1.50 per cent",)),
        Seen(("2025年记账利率公布前暂按2.37％计算",), ("1.50％",)),
    ),
    Case(
        "residents_basic_pension",
        "151",
        "residents pension estimate",
        residents_pension,
        Seen(("151.00 (the central minimum for 2025",), ("143.00",)),
        Seen(("151.00（2025年全国最低标准",), ("143.00",)),
    ),
    Case(
        "waiting_fixed_months",
        "2",
        "premium check",
        premium_out_of_window,
        Seen(
            ("benefits start 2 months after the cover begins", "The wait is 2 months,"),
            ("3 months",),
        ),
        Seen(("需经过2个月的待遇等待期", "固定等待期为2个月"), ("3个月",)),
    ),
    Case(
        "newborn_cover_days",
        "45",
        "premium check",
        premium_out_of_window,
        Seen(("within 45 days of birth",), ("90 days",)),
        Seen(("出生后45天内参保",), ("90天",)),
    ),
    Case(
        "residents_basic_pension_2026",
        "170",
        "residents pension grades",
        residents_pension_grades,
        Seen(("basic pension (CN¥170.00 a month)",), ("CN¥163.00 a month",)),
        Seen(("（每月¥170.00）",), ("每月¥163.00",)),
    ),
    Case(
        "residents_pension_age",
        "65",
        "residents pension grades",
        residents_pension_grades,
        Seen(("The pension at 65 is", "a month at 65"), ("at 60",)),
        Seen(("65周岁时的养老金", "65周岁时每月约"), ("60周岁",)),
    ),
]


@pytest.fixture
def extra_env(case: Case) -> dict[str, str]:
    return {f"POLICY_{case.field.upper()}": case.value}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_a_policy_value_in_a_text_comes_from_the_policy(
    case: Case, client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    set_to = getattr(migrated.policy, case.field)
    assert set_to != getattr(Policy(), case.field), "the case sets the field to a new value"
    visit = await case.setup(client, seeded, migrated)
    for headers, seen in ((EN, case.en), (ZH, case.zh)):
        text = html.unescape(shown(await visit(client, headers)))
        main = text[text.find("<main") :]
        for expected in seen.shown:
            assert expected in text, (expected, main[:3000])
        for not_shown in seen.not_shown:
            assert not_shown not in text, (not_shown, main[:3000])


def test_every_policy_field_in_a_text_is_covered() -> None:
    covered = {case.field for case in CASES}
    assert covered == IN_TEXTS


# --- the guard ----------------------------------------------------------------------------------

# How each default would read if it were typed into a text, in English and in Chinese ({v}: the
# default value). Fields not shown today are here too, so that a text naming them is caught.
_MINUTES = (r"\b{v}[ -]minutes?\b", r"(?<![\d.]){v}\s*分钟")
_HOURS = (r"\b{v}[ -]hours?\b", r"(?<![\d.]){v}\s*个?小时")
_DAYS = (r"\b{v}[ -]days?\b", r"(?<![\d.]){v}\s*天")
_SECONDS = (r"\b{v}[ -]?(seconds?|s)\b", r"(?<![\d.]){v}\s*秒")
_TRIES = (
    r"\b{v} (more |wrong |failed )?(tries|attempts|failures)\b",
    r"\b{v} (more|wrong|failed) times\b",
    r"(?<![\d.]){v}\s*次",
)
UNITS: dict[str, tuple[str, ...]] = {
    "handoff_code_minutes": _MINUTES,
    "face_wait_minutes": _MINUTES,
    "step_up_minutes": _MINUTES,
    "session_idle_minutes": _MINUTES,
    "session_absolute_hours": _HOURS,
    "draft_expiry_hours": _HOURS,
    "pin_lock_hours": _HOURS,
    "awaiting_face_expiry_days": _DAYS,
    "qr_valid_seconds": _SECONDS,
    "signin_base_wait_seconds": _SECONDS,
    "pin_max_failures": _TRIES,
    "face_failures_before_wait": _TRIES,
    "face_failures_before_in_person": _TRIES,
    "signin_free_failures": _TRIES,
    "max_members_per_holder": (r"\({v}\)", r"（{v}人）", r"\b{v} (family )?members\b"),
    "max_holders_per_member": (r"\({v}\)", r"（{v}人）", r"\b{v} (card )?holders\b"),
    # English may say "only one spouse" (the singular of a plural message); Chinese has one form
    # for every number, so it must not.
    "max_spouses_per_holder": (r"\b{v} spouses?\b", r"(?<![\d.]){v}\s*名配偶", r"一名配偶"),
    "face_photo_under_age": (r"\bunder {v}\b", r"\baged? {v}\b", r"未满{v}周岁"),
    "upload_max_bytes": (r"(?<![\d.]){mb}\s*MB\b",),
    "upload_max_pixels": (r"(?<![\d.]){mp}\s*(megapixels|MP|百万像素)",),
    "account_interest_rate_2025": (r"(?<![\d.]){v}0*\s*(per cent|%|％)",),
    "residents_basic_pension": (r"(?<![\d.]){v}(\.00)?\s*(yuan|元)",),
    # (3 months' notice of an early retirement is another rule's.)
    "waiting_fixed_months": (
        r"\b(wait|waiting period) (is|of) {v}[ -]months?\b",
        r"\bstart {v} months? after\b",
        r"等待期为?{v}个月",
        r"经过{v}个月",
    ),
    "newborn_cover_days": _DAYS,
    "residents_basic_pension_2026": (r"(?<![\d.]){v}(\.00)?\s*(yuan|元)",),
    "residents_pension_age": (r"\bpension at {v}\b", r"\bat {v} after\b", r"(?<![\d.]){v}周岁时"),
}


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    defaults = Policy()
    found = []
    for field, patterns in UNITS.items():
        value = getattr(defaults, field)
        if isinstance(value, Decimal):
            value = value.normalize()
        words = {
            "v": re.escape(str(value)),
            "mb": str(defaults.upload_max_bytes // (1024 * 1024)),
            "mp": str(defaults.upload_max_pixels // 1_000_000),
        }
        for pattern in patterns:
            found.append((field, re.compile(pattern.format(**words))))
    return found


def _texts() -> list[tuple[str, str]]:
    """(where, text): each template's own text and every string of the catalogues."""
    texts = [
        (str(path.relative_to(ROOT)), re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S))
        for path in sorted((ROOT / "app" / "templates").rglob("*.html"))
    ]
    for catalogue in sorted((ROOT / "app" / "i18n").rglob("*.po*")):
        with catalogue.open("rb") as handle:
            for message in read_po(handle):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in (*ids, *strings):
                    if text:
                        texts.append((catalogue.name, text))
    return texts


def test_no_policy_default_is_typed_into_a_text() -> None:
    assert set(UNITS) >= IN_TEXTS
    typed = [
        f"{where}: {field} ({pattern.pattern}) in {text!r}"
        for where, text in _texts()
        for field, pattern in _patterns()
        if pattern.search(text)
    ]
    assert not typed, "\n".join(typed)


@pytest.mark.parametrize(
    "text",
    [
        "It works once for 30 minutes.",
        "over 30 minutes old",
        "before a 30-minute wait",
        "PIN use is locked for 24 hours",
        "a draft is kept for 24 hours",
        "allowed (8)",
        "acting for them (5)",
        "they are under 16",
        "smaller than 5 MB",
        "at most 40 megapixels",
        "验证码30分钟内有效",
        "密码将被锁定24小时",
        "上限（8人）",
        "对方未满16周岁",
        "小于5MB",
        "只能添加一名配偶",
        "signed out after 15 minutes",
        "codes last 60 seconds",
        "kept for 30 days",
        "You have 6 tries",
        "1.5 per cent for 2025",
    ],
)
def test_the_guard_catches_a_typed_default(text: str) -> None:
    assert any(pattern.search(text) for _, pattern in _patterns()), text


def test_the_guard_lets_other_numbers_be() -> None:
    for text in (
        "The PIN must be exactly 6 digits",
        "The PIN cannot be the same digit 6 times",
        "Each step of a transfer takes at most 15 working days.",
        "from the age of 60 after 15 years of contributions",
        "You can add only one spouse",
        "If the certification is more than 12 months old",
        "at most {mp} megapixels",
    ):
        assert not any(pattern.search(text) for _, pattern in _patterns()), text


def test_with_the_default_policy_the_messages_read_as_before() -> None:
    """The end-to-end journeys match these English texts word for word."""
    policy = Policy()
    token = current_locale.set("en")
    try:
        assert wrong_pin_message(5, policy) == (
            "The PIN is not right. You have 5 more tries before PIN use is locked for 24 hours"
        )
        assert invalid_code_message(policy) == (
            "This code is not valid. It may have been used or be over 30 minutes old. "
            "Ask for a new one"
        )
        refused = {
            reason: binding_refused_message(BindingRefused(reason), policy)
            for reason in ("too_many_members", "too_many_spouses", "too_many_holders")
        }
        assert refused == {
            "too_many_members": (
                "You already have the most family members allowed (8). Remove one first"
            ),
            "too_many_spouses": "You can add only one spouse",
            "too_many_holders": (
                "This family member already has the most card holders acting for them (5)"
            ),
        }
        too_large = image_message("proof", ImageRejected("too_large"), policy)
        assert too_large == "The relationship document must be smaller than 5 MB"
    finally:
        current_locale.reset(token)
