"""Stories of triage through the API: the venue's app reads the hints before the customer
submits, the recorded complaint tells what triage suggested (never the personal data it found),
and what the customer typed is masked like the customer."""

from __future__ import annotations

from typing import Any

import pytest

from amends.api.tests.conftest import Api, Keys, complaint_json
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import act, received
from amends.conftest import Cast

pytestmark = pytest.mark.usefixtures("at_ten")

PHONE, ID_CARD, CARD = "13912345678", "11010519491231002X", "6222021234567894"
TYPED = (
    f"3号跑步机皮带突然打滑，我摔倒了，膝盖流血。请打我电话{PHONE}，"
    f"身份证{ID_CARD}，医药费退到卡{CARD}。"
)
INJURY = "跑步机皮带突然打滑，我摔倒了，膝盖流血，现在还很疼。"


def _no_values(answer: Any) -> None:
    shown = str(answer)
    for value in (PHONE, ID_CARD, CARD, "1234567894"):
        assert value not in shown


# --- hints before submitting --------------------------------------------------------------------


def test_the_app_reads_the_hints_before_the_customer_submits(cast: Cast, keys: Keys) -> None:
    before = Complaint.objects.count()
    hints = Api(keys.app).post("/triage", {"text": INJURY})
    assert hints.status == 200, hints
    assert hints["severity"]["code"] == "urgent" and hints["urgent"] is True
    assert 0 <= hints["severity"]["confidence"] <= 1
    assert hints["severity"]["reasons"]  # the words behind it, shown as the reason
    assert hints["category"]["code"] and hints["language"] == "zh"
    assert hints["validity"]["code"] in {"valid", "invalid", "undecided"}
    assert hints["applied"] == [] and hints["personal_data"] == []
    assert hints["model"]
    assert Complaint.objects.count() == before  # nothing recorded


def test_it_names_the_kinds_of_personal_data_never_the_data(cast: Cast, keys: Keys) -> None:
    hints = Api(keys.reader).post("/triage", {"text": TYPED})  # complaints:read is enough
    assert hints.status == 200, hints
    assert hints["personal_data"] == ["id_card", "bank_card", "phone"]
    _no_values(hints.json)


def test_a_calm_no_injury_text_is_not_urgent(cast: Cast, keys: Keys) -> None:
    hints = Api(keys.intake).post("/triage", {"text": "淋浴间没有热水，没有人受伤，希望尽快修好。"})
    assert hints.status == 200 and hints["urgent"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "坏" * 10_001}, "text"),
        ({}, "text"),
        ({"text": "跑步机坏了", "venue": "GYM1"}, "venue"),
    ],
)
def test_it_refuses_bad_text_with_a_code(cast: Cast, keys: Keys, body: Any, field: str) -> None:
    refused = Api(keys.app).post("/triage", body)
    assert refused.status == 422, refused
    assert refused["code"] == "invalid_input" and field in refused["fields"]


def test_a_nul_byte_in_the_text_is_a_400(cast: Cast, keys: Keys) -> None:
    refused = Api(keys.app).post("/triage", {"text": "跑步机\x00坏了"})
    assert refused.status == 400 and refused["code"] == "nul_character"


def test_it_refuses_blank_text_with_its_own_code(cast: Cast, keys: Keys) -> None:
    refused = Api(keys.app).post("/triage", {"text": "   \n  "})
    assert refused.status == 422 and refused["code"] == "text_required"


def test_it_needs_a_key_and_counts_against_its_limit(cast: Cast, keys: Keys, settings) -> None:
    assert Api(None).post("/triage", {"text": INJURY}).status == 401
    assert Api("amk_not-a-key").post("/triage", {"text": INJURY}).status == 401
    settings.AMENDS_API_RATE_PER_MINUTE = 2
    app = Api(keys.app)
    assert [app.post("/triage", {"text": INJURY}).status for _ in range(2)] == [200, 200]
    limited = app.post("/triage", {"text": INJURY})
    assert limited.status == 429 and limited["code"] == "rate_limited"
    assert limited.response["Retry-After"]


def test_the_document_describes_the_triage_answer(cast: Cast) -> None:
    document = Api(None).get("/openapi.json").json
    operation = document["paths"]["/api/v1/triage"]["post"]
    assert operation["operationId"] == "triage"
    assert {"200", "401", "422", "429"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    assert {"language", "category", "severity", "urgent", "personal_data", "applied"} <= set(
        schemas["TriageOut"]["properties"]
    )
    assert "triage" in schemas["ComplaintOut"]["properties"]


# --- the recorded complaint ---------------------------------------------------------------------


def test_the_intake_answer_tells_the_suggestion_and_masks_what_was_typed(
    cast: Cast, keys: Keys
) -> None:
    app = Api(keys.app)
    created = app.post("/complaints", complaint_json(description=TYPED, customer_request=TYPED))
    assert created.status == 201, created
    triage = created["triage"]
    assert triage["severity"]["code"] == "urgent" and triage["urgent"] is True
    # Nobody received it: the blanks took the suggestion, for its owner to confirm.
    assert "severity" in triage["applied"]
    assert triage["personal_data"] == ["id_card", "bank_card", "phone"]
    # An injury with an ID-card number is sensitive: an integration reads none of its text.
    assert {"injury", "id_number"} <= set(created["sensitive"])
    assert created["withheld"] is True
    assert created["description"] == created["customer_request"] == "▇▇▇"
    _no_values(created.json)
    # Stored as typed: masking is how it is shown.
    assert PHONE in Complaint.objects.get(reference=created["reference"]).description
    read = app.get(f"/complaints/{created['reference']}")
    assert read["triage"] == triage and read["description"] == created["description"]
    _no_values(read.json)


def test_a_complaint_without_a_suggestion_answers_null(cast: Cast, keys: Keys) -> None:
    c = received(cast)
    Complaint.objects.filter(pk=c.pk).update(triage={})
    assert Api(keys.crm).get(f"/complaints/{c.reference}")["triage"] is None


def test_what_the_customer_writes_is_masked_in_the_conversation_and_the_timeline(
    cast: Cast, keys: Keys
) -> None:
    app = Api(keys.app)
    reference = app.post("/complaints", complaint_json())["reference"]
    version = app.get(f"/complaints/{reference}")["version"]
    sent = app.post(
        f"/complaints/{reference}/messages", {"version": version, "text": f"卡号{CARD}"}
    )
    assert sent.status == 201, sent
    c = Complaint.objects.get(reference=reference)
    act("reply", c, cast.specialist, text="请拨打客服 13800138000 联系我们。")
    messages = app.get(f"/complaints/{reference}/messages").json
    assert [m["text"] for m in messages] == [
        "卡号**** **** **** 7894",
        "请拨打客服 13800138000 联系我们。",  # the handler's words are not the customer's data
    ]
    timeline = Api(keys.crm).get(f"/complaints/{reference}/timeline").json
    told = next(line for line in timeline if line["kind"] == "customer_message")
    assert told["details"] == ["卡号**** **** **** 7894"]
    _no_values(timeline)
