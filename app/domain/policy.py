"""The project decisions of domain-rules.md, in one named place.

Settings builds one Policy (each field can be overridden from the environment); domain
functions take the values they need from it rather than holding literals.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    # Affinity bindings
    max_members_per_holder: int = 8
    max_spouses_per_holder: int = 1
    max_holders_per_member: int = 5
    face_photo_under_age: int = 16
    draft_expiry_hours: int = 24
    # A binding whose member never does face recognition gives its slot back after this.
    awaiting_face_expiry_days: int = 30
    # Uploaded relationship documents and face photos (design: security baseline)
    upload_max_bytes: int = 5 * 1024 * 1024
    upload_max_pixels: int = 40_000_000
    # Face recognition
    face_match_threshold: float = 0.6
    face_failures_before_wait: int = 5
    face_wait_minutes: int = 30
    face_failures_before_in_person: int = 20
    # Photos that cannot serve (no face, too dark, several faces) in a row before the same
    # wait: they prove nothing either way, but an endless stream of them still costs matching.
    face_unusable_before_wait: int = 10
    face_min_face_pixels: int = 80
    face_max_side_pixels: int = 1024
    face_workers: int = 1
    selfie_retention_days: int = 0
    handoff_code_minutes: int = 30
    # A matching job that raises is retried; after this many runs the check is given up.
    face_check_max_runs: int = 3
    face_check_retry_seconds: float = 1.0
    # The e-card PIN
    pin_max_failures: int = 6
    pin_lock_hours: int = 24
    # A right PIN covers the action it was asked for (in that session) for this long.
    step_up_minutes: int = 10
    # A passed face check authorises one reset of the PIN or the password, for this long.
    reset_check_minutes: int = 10
    # Limits on sign-in, password checks and hand-off codes (design: security baseline)
    signin_free_failures: int = 10
    signin_base_wait_seconds: int = 30
    signin_max_wait_seconds: int = 3600
    # A limit's counter is forgotten once this long has passed without an attempt on its key.
    limit_memory_hours: int = 24
    # The one-time code an operator gives a staff member to enrol their first passkey.
    staff_enrolment_code_hours: int = 24
    # Sessions (design: security baseline)
    session_idle_minutes: int = 15
    session_absolute_hours: int = 12
    # Credentials and money
    qr_valid_seconds: int = 60
    # Scan login (domain-rules §10): a request lives this long and is used once; the QR code
    # read by the phone may be this many seconds old (the time to scan and open the page).
    scan_login_seconds: int = 60
    scan_code_tolerance_seconds: int = 5
    # New codes a screen may ask for (per address, or per self-service machine) are counted
    # in windows this long, as sign-in attempts are: the free ones, then waits.
    scan_request_window_minutes: int = 10
    # A self-service machine's session ends after this long without a touch, with a warning
    # this long before.
    kiosk_idle_seconds: int = 120
    kiosk_idle_warning_seconds: int = 30
    # How often each server process clears out what has expired (drafts, selfies, codes).
    maintenance_interval_seconds: int = 600
    fractional_age_divisor: str = "floor"  # or "interpolate"
    account_interest_rate_2025: Decimal = Decimal("1.50")
    # §5: the central minimum basic pension of the residents' scheme, CNY a month (2025).
    residents_basic_pension: Decimal = Decimal("143")
    # §8: the region's residents' medical premium by coverage year (CNY), never below the
    # national minimum (app/domain/premiums.py); a year not here is not yet published.
    residents_medical_premiums: tuple[tuple[int, int], ...] = (
        (2022, 320),
        (2023, 350),
        (2024, 380),
        (2025, 400),
        (2026, 400),
    )
    medical_collection_window: str = "09-01/12-31"  # of the previous year
    # Paid outside the window or after a lapse: a fixed wait before benefits, plus this much a
    # further year of lapse; a newborn insured within this many days is covered from birth.
    waiting_fixed_months: int = 3
    waiting_months_per_lapsed_year: int = 1
    newborn_cover_days: int = 90
    # §5: the central minimum basic pension of the residents' scheme in 2026 (what a grade's
    # pension at 60 is projected on), the youngest age to pay into a pension scheme and the
    # age at which the residents' pension is drawn.
    residents_basic_pension_2026: Decimal = Decimal("163")
    pension_min_age: int = 16
    residents_pension_age: int = 60
    # §5 residents' pension: the yearly government subsidy, higher from one grade up.
    residents_pension_subsidy_low: int = 30
    residents_pension_subsidy_high: int = 60
    residents_pension_higher_subsidy_from: int = 500
    # §5 back payment (补缴) of a missed residents' pension year: how many years back one may
    # still be paid. The sources leave it to the region (DEFAULT: the five years before this).
    residents_pension_back_years: int = 5
    # Payments: an order not paid within this time expires (a late payment is refunded); a
    # form's idempotency key is kept this long.
    payment_expiry_minutes: int = 30
    idempotency_key_hours: int = 24
    # Unconfirmed payments are asked about at the provider this often.
    payment_query_interval_seconds: int = 60
    # §6 relationship transfer: a temporary account from these ages (full years on the day
    # insurance starts at the new place); the place of payment needs 10 years (120 months).
    transfer_temporary_age_men: int = 50
    transfer_temporary_age_women: int = 40
    transfer_place_of_payment_months: int = 120
    # An open transfer's timeline refreshes itself this often (with JS; without, "Refresh").
    transfer_refresh_seconds: int = 15
    # §6 urban–rural conversion (人社部发〔2014〕17号): with this many employee months the
    # residents' account joins the employee scheme, with fewer the other way; a woman's post is
    # not on record, so her original retirement age is that of this post ("cadre": 55).
    conversion_employee_months: int = 180
    conversion_women_job: str = "cadre"
    fund_ledgers: tuple[str, ...] = (
        "pension",
        "medical_maternity",
        "work_injury",
        "unemployment",
    )
