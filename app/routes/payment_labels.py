"""Translated labels for payments: purposes, states, funds and their accounts."""

from __future__ import annotations

from app.routes.i18n import N_
from app.routes.i18n import translated_label as _label

_PURPOSES = {
    "resident_medical_premium": N_("Residents' medical insurance premium"),
    "resident_pension_contribution": N_("Residents' pension insurance contribution"),
    "flexible_pension_contribution": N_("Flexible-employment pension contribution"),
    "medical_bill": N_("Medical or pharmacy bill"),
}


_PAYMENT_STATES = {
    "created": N_("Confirming"),
    "expired": N_("Not paid in time"),
    "failed": N_("Not paid"),
    "paid": N_("Paid"),
    "refund_due": N_("Being refunded"),
    "refunded": N_("Refunded"),
}


_FUNDS = {
    "emp_pension": N_("Employee basic pension insurance fund"),
    "res_pension": N_("Urban and rural residents' basic pension insurance fund"),
    "emp_medical": N_("Employee basic medical insurance fund (with maternity)"),
    "res_medical": N_("Urban and rural residents' basic medical insurance fund"),
    "work_injury": N_("Work injury insurance fund"),
    "unemployment": N_("Unemployment insurance fund"),
}


_FUND_ACCOUNTS = {
    "bank": N_("Bank account"),
    "contributions": N_("Contributions received"),
    "pooled_benefits": N_("Pooled fund benefits"),
    "personal_accounts": N_("Personal accounts"),
    "transfers_out": N_("Paid to other funds"),
    "transfers_in": N_("Received from other funds"),
}


_REFUND_REASONS = {
    "late": N_("It arrived after the payment's time was up, so the money was returned."),
    "duplicate": N_("The same bill had already been paid, so this payment was returned."),
    "staff": N_("Refunded by the service centre."),
}


_POSTINGS = {
    "receipt": N_("Payment received"),
    "refund": N_("Refund (reverses a receipt)"),
    "spending": N_("Fund spending"),
    "flow": N_("Statutory flow between funds"),
}


_AID_REFUSALS = {
    "not_close_relative": N_(
        "Mutual aid is only for close relatives: spouse, parents, children, brothers and "
        "sisters, grandparents and grandchildren"
    ),
    "giver_not_employee_insured": N_(
        "Only someone in the employee medical insurance, with a personal medical account, "
        "can give mutual aid"
    ),
    "relative_not_insured": N_("The relative must be insured in a basic medical insurance"),
    "quota_not_positive": N_("Enter a quota of more than 0"),
    "quota_over_balance": N_("The quota cannot be more than you can spend from your account"),
}


_AID_ENDS = {
    "ended": N_("you ended it"),
    "changed": N_("you set a new quota"),
    "moved": N_("an insurance moved to another place"),
    "unbound": N_("the affinity service binding ended"),
    "giver_uninsured": N_("your employee medical insurance ended"),
    "relative_uninsured": N_("their basic medical insurance ended"),
}


_PROVIDERS = {"sandbox": N_("Sandbox payment gateway")}


def purpose_label(value: str) -> str:
    return _label(_PURPOSES, value, value)


def payment_state_label(value: str) -> str:
    return _label(_PAYMENT_STATES, value, value)


def fund_label(value: str) -> str:
    return _label(_FUNDS, value, value)


def fund_account_label(value: str) -> str:
    return _label(_FUND_ACCOUNTS, value, value)


def refund_reason_label(value: str | None) -> str:
    return _label(_REFUND_REASONS, value or "", "")


def posting_label(kind: str) -> str:
    return _label(_POSTINGS, kind, kind)


def aid_refusal_message(reason: str) -> str:
    """Why a mutual aid quota cannot be set (domain.mutual_aid.AidRefused)."""
    return _label(_AID_REFUSALS, reason, reason)


def aid_end_label(reason: str | None) -> str:
    """Why a family mutual aid link ended (domain.mutual_aid.AidEnd)."""
    return _label(_AID_ENDS, reason or "", reason or "")


def provider_label(value: str) -> str:
    return _label(_PROVIDERS, value, value)
