"""Translated labels for stored values (relationships, binding states)."""

from __future__ import annotations

from app.domain.affinity import BindingState
from app.routes.i18n import N_, _
from app.routes.i18n import translated_label as _label

_RELATIONSHIPS = {
    "spouse": N_("Spouse"),
    "parent": N_("Parent"),
    "child": N_("Child"),
    "grandparent": N_("Grandparent"),
    "grandchild": N_("Grandchild"),
    "sibling": N_("Brother or sister"),
    "other": N_("Other close relative"),
}


_STATES = {
    BindingState.DOCUMENTS_REVIEW.value: N_("Documents under review"),
    BindingState.AWAITING_FACE.value: N_("Awaiting face recognition"),
    BindingState.ACTIVE.value: N_("Active"),
    BindingState.REVOKED.value: N_("Revoked"),
    BindingState.EXPIRED.value: N_("Expired"),
    BindingState.CANCELLED.value: N_("Request cancelled"),
    BindingState.NEEDS_IN_PERSON.value: N_("Needs an in-person check"),
    BindingState.REJECTED.value: N_("Refused by the service centre"),
}


_ACTIONS = {
    "services.viewed": N_("Opened your services"),
    "benefits.viewed": N_("Viewed your rights and benefits list"),
    "card.viewed": N_("Viewed your e-card"),
    "ecard.applied": N_("Applied for your e-card"),
    "qr.shown": N_("Showed your QR code"),
    "qr.accepted": N_("Accepted your QR code at a service counter"),
    "certification.viewed": N_("Viewed your eligibility certification"),
    "certification.started": N_("Started your eligibility certification"),
    "certification.passed": N_("Certified your eligibility"),
    "certification.failed": N_("Eligibility certification: the faces did not match"),
    "pension.viewed": N_("Viewed your pension estimate"),
    "transfer.precheck": N_("Checked what a move to another province would mean for you"),
    "transfer.applied": N_("Applied for a transfer of your insurance"),
    "payments.viewed": N_("Viewed your payments"),
    "payment.started": N_("Started a payment for you"),
    "payment.viewed": N_("Viewed a payment for you"),
    "payment.receipt_viewed": N_("Viewed the receipt of a payment for you"),
    "payment.confirmed": N_("A payment for you was confirmed by the provider"),
    "payment.refund_due": N_("A payment for you is being refunded"),
    "payment.refunded": N_("A payment for you was refunded"),
    "payment.refund_requested": N_("Refunded a payment for you (the service centre)"),
    "insurance.viewed": N_("Viewed your insurance"),
    "enrolment.resident_medical": N_("Enrolled you in the residents' medical insurance"),
    "enrolment.resident_pension": N_("Enrolled you in the residents' pension insurance"),
    "aid.set": N_("Set a family mutual aid quota for you"),
    "aid.ended": N_("Ended the family mutual aid for you"),
    "aid.ended_by_itself": N_(
        "Family mutual aid ended by itself (an insurance ended or moved, or the binding ended)"
    ),
    "transfer.viewed": N_("Viewed the progress of your transfer"),
    "transfer.step": N_("Recorded a step of your transfer (an agency)"),
    "staff.transfer_viewed": N_("Opened your transfer (an agency)"),
    "conversion.viewed": N_("Viewed the urban–rural conversion of your pension"),
    "conversion.applied": N_("Applied for the urban–rural conversion of your pension"),
    "conversion.withdrawn": N_("Withdrew the urban–rural conversion of your pension"),
    "conversion.confirmed": N_("Confirmed the urban–rural conversion of your pension"),
    "conversion.face_started": N_("Started face recognition to confirm your conversion"),
    "conversion.face_matched": N_("Face recognition to confirm your conversion passed"),
    "conversion.face_failed": N_(
        "Face recognition to confirm your conversion: the faces did not match"
    ),
    "conversion.face_unusable": N_(
        "Face recognition to confirm your conversion: the photo could not be used"
    ),
    "conversion.face_error": N_(
        "Face recognition to confirm your conversion: the photo could not be checked"
    ),
    "face.started": N_("Started your face recognition"),
    "face.matched": N_("Face recognition passed"),
    "face.failed": N_("Face recognition: the faces did not match"),
    "face.unusable": N_("Face recognition: the photo could not be used"),
    "face.handoff_created": N_("Sent you a face recognition link"),
    "affinity.submitted": N_("Asked to open affinity services for you"),
    "affinity.revoked": N_("Ended affinity services for you"),
    "affinity.reported_not_me": N_("Reported that you acted for them without their agreement"),
    "affinity.cancelled": N_("Withdrew the request for affinity services"),
    "staff.approved": N_("Approved your in-person check"),
    "staff.rejected": N_("Rejected your in-person check"),
    "staff.document_viewed": N_("Viewed the document of a request to act for you"),
    "staff.documents_approved": N_("Accepted the document of a request to act for you"),
    "staff.documents_rejected": N_("Refused the document of a request to act for you"),
    "affinity.chose_in_person": N_("Asked for an in-person check of you"),
    "affinity.member_chosen": N_("Chose you from the household to open affinity services"),
    "affinity.details_entered": N_("Entered your details to open affinity services"),
    "affinity.expired": N_("The request for affinity services expired without face recognition"),
    "affinity.set_up": N_("Opened affinity services for you"),
    "face.error": N_("Face recognition: the photo could not be checked"),
    "certification.unusable": N_("Eligibility certification: the photo could not be used"),
    "certification.error": N_("Eligibility certification: the photo could not be checked"),
    "certification.handoff_created": N_("Sent you an eligibility certification link"),
    "certification.recorded": N_("Recorded an eligibility certification you did elsewhere"),
    "qr.card_not_usable": N_(
        "Was shown your QR code at a service counter while your card could not be used"
    ),
    "registry.person_added": N_("Added your record to the registry"),
    "password.changed": N_("Changed your password"),
    "password.reset": N_("Reset your forgotten password after face recognition"),
    "password_reset.face_started": N_("Password reset: started face recognition"),
    "password_reset.face_matched": N_("Password reset: face recognition passed"),
    "password_reset.face_failed": N_("Password reset: the faces did not match"),
    "password_reset.face_unusable": N_("Password reset: the photo could not be used"),
    "password_reset.face_error": N_("Password reset: the photo could not be checked"),
    "pin.set": N_("Set your e-card PIN"),
    "pin.changed": N_("Changed your e-card PIN"),
    "pin.locked": N_("PIN use was locked after too many wrong PINs"),
    "pin.reset": N_("Reset your forgotten e-card PIN after face recognition"),
    "pin_reset.face_started": N_("PIN reset: started face recognition"),
    "pin_reset.face_matched": N_("PIN reset: face recognition passed"),
    "pin_reset.face_failed": N_("PIN reset: the faces did not match"),
    "pin_reset.face_unusable": N_("PIN reset: the photo could not be used"),
    "pin_reset.face_error": N_("PIN reset: the photo could not be checked"),
    "scan_login.approved": N_("Confirmed a sign-in for you by scanning a code"),
    "scan_login.signed_in": N_("Signed in for you by scanning a code"),
    "scan_login.mismatched": N_(
        "A sign-in for you by scanning was refused: the wrong number was chosen"
    ),
    "scan_login.finished": N_("Ended a session for you at a self-service machine"),
    "scan_login.timed_out": N_(
        "A session for you at a self-service machine ended after no one used it"
    ),
}


def relationship_label(value: str) -> str:
    return _label(_RELATIONSHIPS, value, value)


def state_label(value: str) -> str:
    return _label(_STATES, value, value)


def action_label(action: str) -> str:
    """What an audit event means to the person it was done for."""
    return _label(_ACTIONS, action, _("Other action"))
