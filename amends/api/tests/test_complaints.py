"""Stories of the API's complaints: an app records one and follows it, a CRM handles it, keys
stay within their reach, and every refusal answers a JSON code."""

from __future__ import annotations

from typing import Any

import pytest

from amends.api.tests.conftest import Api, Keys, complaint_json
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import received
from amends.conftest import Cast
from amends.orgs.models import ApiKey
from amends.orgs.services import api_key_revoke

pytestmark = pytest.mark.usefixtures("at_ten")


def test_it_records_a_complaint_and_reads_it_back(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    created = app.post("/complaints", complaint_json(severity="important"))
    assert created.status == 201, created
    reference = created["reference"]
    assert reference.startswith("GYM1-20261120-")
    assert created["version"] >= 1
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.api_key == ApiKey.objects.get(name="gym app")
    assert complaint.channel == "app"

    read = app.get(f"/complaints/{reference}")
    assert read.status == 200
    assert read["state"] == complaint.state
    assert read["version"] == complaint.version
    assert read["venue"] == "GYM1"
    assert read["severity"] == "important"
    assert read["respond_due"] and read["resolve_due"]
    # Masked even for the app that sent them: intake may have matched a customer already on
    # file, whose details are more than the app sent.
    assert read["customer"] == {"name": "赵*", "phone": "137****7000", "email": "", "masked": True}
    # What the app may do now: speak for the customer, add a note or evidence.
    names = {a["name"] for a in read["actions"]}
    assert "message" in names and "evidence" in names
    assert "assign" not in names


def test_recording_a_complaint_never_reveals_a_customer_already_on_file(
    cast: Cast, keys: Keys
) -> None:
    """A key that records a complaint with a known email gets the customer on file (matched by
    the blind index): it must not learn their name or phone that way."""
    on_file = cast.receive(customer_name="王小明", phone="13900139000", email="wang@example.com")
    probe = {**complaint_json(), "customer_name": "", "phone": "", "email": "wang@example.com"}
    created = Api(keys.app).post("/complaints", probe)
    assert Complaint.objects.get(reference=created["reference"]).customer == on_file.customer
    assert created["customer"]["masked"] is True
    assert "王小明" not in str(created) and "13900139000" not in str(created)


def test_it_masks_the_customer_for_keys_that_did_not_record_the_complaint(
    cast: Cast, keys: Keys
) -> None:
    reference = Api(keys.app).post("/complaints", complaint_json())["reference"]
    read = Api(keys.reader).get(f"/complaints/{reference}")
    assert read["customer"] == {"name": "赵*", "phone": "137****7000", "email": "", "masked": True}
    page = Api(keys.crm).get("/complaints")
    assert page["items"][0]["customer"]["masked"] is True


def test_it_refuses_requests_without_a_valid_key(cast: Cast, keys: Keys) -> None:
    for key in (None, "amk_not-a-key", "Basic xyz"):
        reply = Api(key).get("/complaints")
        assert reply.status == 401
        assert reply["code"] == "unauthorized"
        assert reply.response["WWW-Authenticate"] == "Bearer"
    api_key_revoke(key=ApiKey.objects.get(name="crm"))
    revoked = Api(keys.crm).get("/taxonomy")
    assert (revoked.status, revoked["code"]) == (401, "unauthorized")


def test_it_answers_404_for_a_complaint_out_of_the_keys_reach(cast: Cast, keys: Keys) -> None:
    at_gym1 = received(cast).reference
    for key in (keys.gym2, keys.stranger, keys.intake):  # other venue, company; not its own
        for path in ("", "/timeline", "/messages", "/evidence"):
            reply = Api(key).get(f"/complaints/{at_gym1}{path}")
            assert (reply.status, reply["code"]) == (404, "complaint_not_found"), (key, path)
        acted = Api(key).post(f"/complaints/{at_gym1}/actions/note", {"version": 1, "text": "x"})
        assert acted.status == 404
    assert Api(keys.gym2).get("/complaints")["items"] == []
    assert Api(keys.app).get(f"/complaints/{at_gym1}").status == 200
    assert Api(keys.crm).get("/complaints/NO-SUCH-REF").status == 404


def test_a_key_that_only_records_reads_what_it_recorded(cast: Cast, keys: Keys) -> None:
    monitor = Api(keys.intake)
    reference = monitor.post("/complaints", complaint_json(channel="social"))["reference"]
    received(cast)  # recorded by the desk: not the monitor's
    assert monitor.get(f"/complaints/{reference}").status == 200
    assert [c["reference"] for c in monitor.get("/complaints")["items"]] == [reference]


def test_it_refuses_intake_it_may_not_do(cast: Cast, keys: Keys) -> None:
    other_venue = Api(keys.app).post("/complaints", complaint_json(venue="GYM2"))
    assert other_venue.status == 422
    assert other_venue["code"] == "unknown_venue"
    assert "venue" in other_venue["fields"]
    reader = Api(keys.reader).post("/complaints", complaint_json())
    assert (reader.status, reader["code"]) == (403, "intake_not_allowed")
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"description": ""}, "invalid_input", "description"),
        ({"phone": "12"}, "invalid_phone", "phone"),
        ({"phone": "", "customer_name": ""}, "customer_required", "customer_name"),
        ({"category": "no_such_category"}, "unknown_category", "category"),
        ({"channel": "pigeon"}, "invalid_input", "channel"),
        ({"severity": "catastrophic"}, "invalid_input", "severity"),
        ({"colour": "blue"}, "invalid_input", "colour"),
        ({"occurred_at": "2030-01-01T10:00:00+08:00"}, "invalid_intake", "occurred_at"),
        ({"location": "x" * 201}, "invalid_input", "location"),
    ],
)
def test_it_answers_422_with_the_field_for_bad_input(
    cast: Cast, keys: Keys, fields: dict[str, Any], code: str, field: str
) -> None:
    reply = Api(keys.app).post("/complaints", complaint_json(**fields))
    assert reply.status == 422, reply
    assert reply["code"] == code
    assert field in reply["fields"], reply
    assert not Complaint.objects.exists()


def test_a_nul_byte_anywhere_in_the_body_is_a_400_and_records_nothing(
    cast: Cast, keys: Keys
) -> None:
    reply = Api(keys.app).post("/complaints", complaint_json(description="a\x00b"))
    assert reply.status == 400 and reply["code"] == "nul_character", reply
    assert not Complaint.objects.exists()


def test_it_answers_400_for_a_body_it_cannot_read(cast: Cast, keys: Keys) -> None:
    api = Api(keys.app)
    response = api.client.post(
        "/api/v1/complaints", "{not json", content_type="application/json", headers=api.headers()
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_errors_speak_the_requests_language(cast: Cast, keys: Keys) -> None:
    chinese = Api(keys.app, language="zh-hans")
    missing = chinese.get("/complaints/GYM1-20261120-9999")
    assert (missing.status, missing["code"]) == (404, "complaint_not_found")
    assert missing["message"] == "该投诉不存在。"
    assert Api(keys.app).get("/complaints/GYM1-20261120-9999")["message"] == (
        "This complaint does not exist."
    )
    phone = chinese.post("/complaints", complaint_json(phone="12"))
    assert phone["fields"]["phone"] == ["请输入有效的电话号码。"]
    english = Api(keys.app).post("/complaints", complaint_json(phone="12"))
    assert english["fields"]["phone"] == ["Enter a valid phone number."]


def test_unknown_paths_and_methods_answer_json(cast: Cast, keys: Keys) -> None:
    api = Api(keys.crm)
    assert Api(None).get("/").json == {
        "name": "amends API",
        "version": "1",
        "openapi": "/api/v1/openapi.json",
        "docs": "/api/v1/docs",
    }
    missing = api.get("/no/such/thing")
    assert (missing.status, missing["code"]) == (404, "not_found")
    response = api.client.delete("/api/v1/complaints", headers=api.headers())
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
