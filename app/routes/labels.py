"""Translated labels for stored values (relationships, binding states)."""

from __future__ import annotations

from app.domain.affinity import BindingState
from app.routes.i18n import _


def relationship_label(value: str) -> str:
    labels = {
        "spouse": _("Spouse"),
        "parent": _("Parent"),
        "child": _("Child"),
        "grandparent": _("Grandparent"),
        "grandchild": _("Grandchild"),
        "sibling": _("Brother or sister"),
        "other": _("Other close relative"),
    }
    return labels.get(value, value)


def state_label(value: str) -> str:
    labels = {
        BindingState.DOCUMENTS_REVIEW.value: _("Documents under review"),
        BindingState.AWAITING_FACE.value: _("Awaiting face recognition"),
        BindingState.ACTIVE.value: _("Active"),
        BindingState.REVOKED.value: _("Revoked"),
        BindingState.EXPIRED.value: _("Expired"),
        BindingState.CANCELLED.value: _("Request cancelled"),
        BindingState.NEEDS_IN_PERSON.value: _("Needs an in-person check"),
        BindingState.REJECTED.value: _("Refused by the service centre"),
    }
    return labels.get(value, value)


def action_label(action: str) -> str:
    """What an audit event means to the person it was done for."""
    labels = {
        "services.viewed": _("Opened your services"),
        "benefits.viewed": _("Viewed your rights and benefits list"),
        "card.viewed": _("Viewed your e-card"),
        "ecard.applied": _("Applied for your e-card"),
        "qr.shown": _("Showed your QR code"),
        "qr.accepted": _("Accepted your QR code at a service counter"),
        "certification.viewed": _("Viewed your eligibility certification"),
        "certification.started": _("Started your eligibility certification"),
        "certification.passed": _("Certified your eligibility"),
        "certification.failed": _("Eligibility certification: the faces did not match"),
        "pension.viewed": _("Viewed your pension estimate"),
        "transfer.precheck": _("Checked what a move to another province would mean for you"),
        "transfer.applied": _("Applied for a transfer of your insurance"),
        "payments.viewed": _("Viewed your payments"),
        "payment.started": _("Started a payment for you"),
        "payment.viewed": _("Viewed a payment for you"),
        "payment.receipt_viewed": _("Viewed the receipt of a payment for you"),
        "payment.confirmed": _("A payment for you was confirmed by the provider"),
        "payment.refund_due": _("A payment for you is being refunded"),
        "payment.refunded": _("A payment for you was refunded"),
        "payment.refund_requested": _("Refunded a payment for you (the service centre)"),
        "insurance.viewed": _("Viewed your insurance"),
        "enrolment.resident_medical": _("Enrolled you in the residents' medical insurance"),
        "enrolment.resident_pension": _("Enrolled you in the residents' pension insurance"),
        "aid.set": _("Set a family mutual aid quota for you"),
        "aid.ended": _("Ended the family mutual aid for you"),
        "aid.ended_by_itself": _(
            "Family mutual aid ended by itself (an insurance ended or moved, or the binding ended)"
        ),
        "transfer.viewed": _("Viewed the progress of your transfer"),
        "transfer.step": _("Recorded a step of your transfer (an agency)"),
        "staff.transfer_viewed": _("Opened your transfer (an agency)"),
        "conversion.viewed": _("Viewed the urban–rural conversion of your pension"),
        "conversion.applied": _("Applied for the urban–rural conversion of your pension"),
        "conversion.withdrawn": _("Withdrew the urban–rural conversion of your pension"),
        "conversion.confirmed": _("Confirmed the urban–rural conversion of your pension"),
        "conversion.face_started": _("Started face recognition to confirm your conversion"),
        "conversion.face_matched": _("Face recognition to confirm your conversion passed"),
        "conversion.face_failed": _(
            "Face recognition to confirm your conversion: the faces did not match"
        ),
        "conversion.face_unusable": _(
            "Face recognition to confirm your conversion: the photo could not be used"
        ),
        "conversion.face_error": _(
            "Face recognition to confirm your conversion: the photo could not be checked"
        ),
        "face.started": _("Started your face recognition"),
        "face.matched": _("Face recognition passed"),
        "face.failed": _("Face recognition: the faces did not match"),
        "face.unusable": _("Face recognition: the photo could not be used"),
        "face.handoff_created": _("Sent you a face recognition link"),
        "affinity.submitted": _("Asked to open affinity services for you"),
        "affinity.revoked": _("Ended affinity services for you"),
        "affinity.reported_not_me": _("Reported that you acted for them without their agreement"),
        "affinity.cancelled": _("Withdrew the request for affinity services"),
        "staff.approved": _("Approved your in-person check"),
        "staff.rejected": _("Rejected your in-person check"),
        "staff.document_viewed": _("Viewed the document of a request to act for you"),
        "staff.documents_approved": _("Accepted the document of a request to act for you"),
        "staff.documents_rejected": _("Refused the document of a request to act for you"),
        "affinity.chose_in_person": _("Asked for an in-person check of you"),
        "affinity.member_chosen": _("Chose you from the household to open affinity services"),
        "affinity.details_entered": _("Entered your details to open affinity services"),
        "affinity.expired": _("The request for affinity services expired without face recognition"),
        "affinity.set_up": _("Opened affinity services for you"),
        "face.error": _("Face recognition: the photo could not be checked"),
        "certification.unusable": _("Eligibility certification: the photo could not be used"),
        "certification.error": _("Eligibility certification: the photo could not be checked"),
        "certification.handoff_created": _("Sent you an eligibility certification link"),
        "certification.recorded": _("Recorded an eligibility certification you did elsewhere"),
        "qr.card_not_usable": _(
            "Was shown your QR code at a service counter while your card could not be used"
        ),
        "registry.person_added": _("Added your record to the registry"),
        "password.changed": _("Changed your password"),
        "password.reset": _("Reset your forgotten password after face recognition"),
        "password_reset.face_started": _("Password reset: started face recognition"),
        "password_reset.face_matched": _("Password reset: face recognition passed"),
        "password_reset.face_failed": _("Password reset: the faces did not match"),
        "password_reset.face_unusable": _("Password reset: the photo could not be used"),
        "password_reset.face_error": _("Password reset: the photo could not be checked"),
        "pin.set": _("Set your e-card PIN"),
        "pin.changed": _("Changed your e-card PIN"),
        "pin.locked": _("PIN use was locked after too many wrong PINs"),
        "pin.reset": _("Reset your forgotten e-card PIN after face recognition"),
        "pin_reset.face_started": _("PIN reset: started face recognition"),
        "pin_reset.face_matched": _("PIN reset: face recognition passed"),
        "pin_reset.face_failed": _("PIN reset: the faces did not match"),
        "pin_reset.face_unusable": _("PIN reset: the photo could not be used"),
        "pin_reset.face_error": _("PIN reset: the photo could not be checked"),
        "scan_login.approved": _("Confirmed a sign-in for you by scanning a code"),
        "scan_login.signed_in": _("Signed in for you by scanning a code"),
        "scan_login.mismatched": _(
            "A sign-in for you by scanning was refused: the wrong number was chosen"
        ),
        "scan_login.finished": _("Ended a session for you at a self-service machine"),
        "scan_login.timed_out": _(
            "A session for you at a self-service machine ended after no one used it"
        ),
    }
    return labels.get(action, _("Other action"))
