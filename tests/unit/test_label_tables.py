"""Label tables hold N_-marked messages, built once; each label is translated when it is used,
into the request's language."""

from __future__ import annotations

from app.routes.i18n import N_, current_locale, translated_label
from app.routes.labels import relationship_label, state_label
from app.routes.payment_labels import aid_end_label, refund_reason_label


def test_a_label_is_translated_when_used_not_when_its_table_is_built() -> None:
    token = current_locale.set("zh_Hans")
    try:
        assert relationship_label("spouse") == "配偶"
        assert state_label("active") != "Active"
    finally:
        current_locale.reset(token)
    token = current_locale.set("en")
    try:
        assert relationship_label("spouse") == "Spouse"
        assert state_label("active") == "Active"
    finally:
        current_locale.reset(token)


def test_an_unknown_key_gets_the_default() -> None:
    assert N_("Spouse") == "Spouse"  # only a mark for the message extractor
    assert translated_label({"a": N_("Spouse")}, "b", "fallback") == "fallback"
    assert relationship_label("cousin") == "cousin"
    assert refund_reason_label(None) == ""
    assert aid_end_label(None) == ""
