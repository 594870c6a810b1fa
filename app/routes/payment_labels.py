"""Translated labels for payments: purposes, states, funds and their accounts."""

from __future__ import annotations

from app.routes.i18n import _


def purpose_label(value: str) -> str:
    labels = {
        "resident_medical_premium": _("Residents' medical insurance premium"),
        "resident_pension_contribution": _("Residents' pension insurance contribution"),
        "flexible_pension_contribution": _("Flexible-employment pension contribution"),
        "medical_bill": _("Medical or pharmacy bill"),
    }
    return labels.get(value, value)


def payment_state_label(value: str) -> str:
    labels = {
        "created": _("Confirming"),
        "expired": _("Not paid in time"),
        "failed": _("Not paid"),
        "paid": _("Paid"),
        "refund_due": _("Being refunded"),
        "refunded": _("Refunded"),
    }
    return labels.get(value, value)


def fund_label(value: str) -> str:
    labels = {
        "emp_pension": _("Employee basic pension insurance fund"),
        "res_pension": _("Urban and rural residents' basic pension insurance fund"),
        "emp_medical": _("Employee basic medical insurance fund (with maternity)"),
        "res_medical": _("Urban and rural residents' basic medical insurance fund"),
        "work_injury": _("Work injury insurance fund"),
        "unemployment": _("Unemployment insurance fund"),
    }
    return labels.get(value, value)


def fund_account_label(value: str) -> str:
    labels = {
        "bank": _("Bank account"),
        "contributions": _("Contributions received"),
        "pooled_benefits": _("Pooled fund benefits"),
        "personal_accounts": _("Personal accounts"),
        "transfers_out": _("Paid to other funds"),
        "transfers_in": _("Received from other funds"),
    }
    return labels.get(value, value)


def refund_reason_label(value: str | None) -> str:
    labels = {
        "late": _("It arrived after the payment's time was up, so the money was returned."),
        "duplicate": _("The same bill had already been paid, so this payment was returned."),
        "staff": _("Refunded by the service centre."),
    }
    return labels.get(value or "", "")


def posting_label(kind: str) -> str:
    labels = {
        "receipt": _("Payment received"),
        "refund": _("Refund (reverses a receipt)"),
        "spending": _("Fund spending"),
        "flow": _("Statutory flow between funds"),
    }
    return labels.get(kind, kind)


def aid_refusal_message(reason: str) -> str:
    """Why a mutual aid quota cannot be set (domain.mutual_aid.AidRefused)."""
    labels = {
        "not_close_relative": _(
            "Mutual aid is only for close relatives: spouse, parents, children, brothers and "
            "sisters, grandparents and grandchildren"
        ),
        "giver_not_employee_insured": _(
            "Only someone in the employee medical insurance, with a personal medical account, "
            "can give mutual aid"
        ),
        "relative_not_insured": _("The relative must be insured in a basic medical insurance"),
        "quota_not_positive": _("Enter a quota of more than 0"),
        "quota_over_balance": _("The quota cannot be more than you can spend from your account"),
    }
    return labels.get(reason, reason)


def aid_end_label(reason: str | None) -> str:
    """Why a family mutual aid link ended (domain.mutual_aid.AidEnd)."""
    labels = {
        "ended": _("you ended it"),
        "changed": _("you set a new quota"),
        "moved": _("an insurance moved to another place"),
        "unbound": _("the affinity service binding ended"),
        "giver_uninsured": _("your employee medical insurance ended"),
        "relative_uninsured": _("their basic medical insurance ended"),
    }
    return labels.get(reason or "", reason or "")


def provider_label(value: str) -> str:
    labels = {"sandbox": _("Sandbox payment gateway")}
    return labels.get(value, value)
