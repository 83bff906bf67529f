"""Stories of actions through the API: every catalogued action is an operation; the version
guards each; refusals answer 403, 409 or 422 with a code."""

from __future__ import annotations

import pytest

from amends.api.actions import json_actions
from amends.api.tests.conftest import Api, Keys, complaint_json
from amends.complaints.catalogue import CATALOGUE
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import act, received
from amends.conftest import Cast

pytestmark = pytest.mark.usefixtures("at_ten")


def test_every_catalogued_action_is_an_operation_in_openapi(db: None) -> None:
    document = Api(None).get("/openapi.json")
    assert document.status == 200
    paths = document["paths"]
    for spec in json_actions():
        operation = paths[f"/api/v1/complaints/{{reference}}/actions/{spec.name}"]["post"]
        assert operation["operationId"] == f"action_{spec.name}"
        schema_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]
        assert "version" in schema["required"]
        fields = set(spec.form.base_fields)
        assert set(schema["properties"]) == fields, spec.name
    # The one action with a file is the multipart evidence upload.
    assert set(CATALOGUE) - {s.name for s in json_actions()} == {"evidence"}
    upload = paths["/api/v1/complaints/{reference}/evidence"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]


def test_a_crm_classifies_escalates_and_notes_with_the_current_version(
    cast: Cast, keys: Keys
) -> None:
    complaint = received(cast)
    crm = Api(keys.crm)
    reference = complaint.reference
    ack = crm.act(reference, "acknowledge")
    assert ack.status == 200, ack
    assert (ack["state"], ack["version"]) == ("acknowledged", complaint.version + 1)

    classified = crm.act(
        reference,
        "classify",
        category="facility_equipment",
        severity="important",
        psychology="vent",
    )
    assert classified.status == 200, classified
    complaint.refresh_from_db()
    assert complaint.category is not None and complaint.category.code == "facility_equipment"
    assert (complaint.severity, complaint.psychology) == ("important", "vent")
    assert crm.get(f"/complaints/{reference}")["category"] == "facility_equipment"

    noted = crm.act(reference, "note", text="已致电客户，约定明天回复。", call=True)
    assert noted.status == 200, noted
    assert noted["version"] == classified["version"] + 1


def test_a_stale_version_answers_409(cast: Cast, keys: Keys) -> None:
    complaint = received(cast)
    crm = Api(keys.crm)
    stale = crm.act(complaint.reference, "note", text="x", version=complaint.version)
    assert stale.status == 200
    again = crm.act(complaint.reference, "note", text="y", version=complaint.version)
    assert again.status == 409
    assert again["code"] == "stale_version"
    assert again["message"]
    assert Complaint.objects.get(pk=complaint.pk).version == complaint.version + 1


def test_refusals_answer_403_409_and_422_with_their_codes(cast: Cast, keys: Keys) -> None:
    complaint = received(cast)
    reference = complaint.reference
    refused = Api(keys.reader).act(reference, "note", text="读者不能写")
    assert (refused.status, refused["code"]) == (403, "action_not_allowed")
    staff_only = Api(keys.crm).act(reference, "close")
    assert staff_only.status == 403
    crm = Api(keys.crm)
    assert crm.act(reference, "acknowledge").status == 200
    twice = crm.act(reference, "acknowledge")
    assert (twice.status, twice["code"]) == (409, "action_not_available")
    empty = crm.act(reference, "escalate", reason="")
    assert (empty.status, empty["code"]) == (422, "invalid_input")
    assert "reason" in empty["fields"]
    unknown = crm.act(reference, "classify", category="no_such_code")
    assert unknown.status == 422 and "category" in unknown["fields"]
    no_version = crm.post(f"/complaints/{reference}/actions/note", {"text": "x"})
    assert no_version.status == 422 and "version" in no_version["fields"]
    no_such = crm.post(f"/complaints/{reference}/actions/teleport", {"version": 1})
    assert no_such.status == 404


def test_the_app_speaks_for_the_customer(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    reference = app.post("/complaints", complaint_json())["reference"]
    complaint = Complaint.objects.get(reference=reference)
    posted = app.post(
        f"/complaints/{reference}/messages",
        {"version": Complaint.objects.get(pk=complaint.pk).version, "text": "请问什么时候修好？"},
    )
    assert posted.status == 201, posted
    act("reply", complaint, cast.specialist, text="今天下午修好。")
    conversation = app.get(f"/complaints/{reference}/messages")
    assert [(m["author"], m["via"], m["text"]) for m in conversation.json] == [
        ("customer", "app", "请问什么时候修好？"),
        ("handler", "", "今天下午修好。"),
    ]
    # A key that may not speak for the customer is refused.
    version = Complaint.objects.get(pk=complaint.pk).version
    refused = Api(keys.intake).post(
        f"/complaints/{reference}/messages", {"version": version, "text": "x"}
    )
    assert refused.status == 404  # not recorded by it: out of its reach
    reader = Api(keys.reader).post(
        f"/complaints/{reference}/messages", {"version": version, "text": "x"}
    )
    assert (reader.status, reader["code"]) == (403, "action_not_allowed")


def test_the_timeline_is_the_customers_unless_the_key_handles(cast: Cast, keys: Keys) -> None:
    complaint = received(cast)
    act("acknowledge", complaint, cast.desk)
    act("assign", complaint, cast.desk, assignee=cast.specialist.pk)
    act("note", complaint, cast.specialist, text="内部备注：教练说他没迟到。")
    as_customer = Api(keys.app).get(f"/complaints/{complaint.reference}/timeline")
    as_staff = Api(keys.crm).get(f"/complaints/{complaint.reference}/timeline")
    assert as_customer.status == as_staff.status == 200
    customer_text = str(as_customer.json)
    assert "教练说他没迟到" not in customer_text
    assert "Specialist" not in customer_text
    assert "教练说他没迟到" in str(as_staff.json)
    assert len(as_staff.json) > len(as_customer.json)
    assert as_customer.json[0]["kind"] == "received"
