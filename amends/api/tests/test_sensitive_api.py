"""A child slips by the pool and bleeds from the knee: the complaint is flagged sensitive (injury,
a minor). An API key holds no role, so it never reads that text: the complaint, its list row,
its timeline, its messages and its triage reasons say `sensitive: [kinds]` and carry “▇▇▇”
with `withheld: true`. The people who handle it read it (a manager, as a staff principal);
a colleague who does not, does not. A complaint without sensitive data answers as before."""

from __future__ import annotations

import json

import pytest

from amends.api.schemas import complaint_out, reads_sensitive
from amends.api.tests.conftest import Api, Keys
from amends.complaints import services
from amends.complaints.models import Complaint
from amends.conftest import Cast
from amends.core.principals import Principal

TOLD = "孩子在泳池边滑倒，膝盖流血了。"
ASKED = "孩子的医药费"
NOTE = "已电话联系家长，孩子膝盖缝了三针。"
SECRETS = ("膝盖", "医药费", "缝了三针")


@pytest.fixture
def hurt(cast: Cast) -> Complaint:
    c = cast.receive(description=TOLD, customer_request=ASKED)
    c = services.complaint_add_note(complaint=c, actor=cast.desk, text=NOTE)
    c.refresh_from_db()
    assert {"injury", "minor"} <= set(c.sensitive)
    assert cast.specialist2.pk not in (c.assignee_id, c.owner_id, c.received_by_id)
    return c


def _text(reply: object) -> str:
    return json.dumps(reply, ensure_ascii=False)


def test_an_api_key_reads_a_sensitive_complaint_withheld(keys: Keys, hurt: Complaint):
    api = Api(keys.crm)
    one = api.get(f"/complaints/{hurt.reference}")
    assert one.status == 200
    assert set(one["sensitive"]) >= {"injury", "minor"} and one["withheld"] is True
    assert one["description"] == "▇▇▇" and one["customer_request"] == "▇▇▇"
    timeline = api.get(f"/complaints/{hurt.reference}/timeline")
    assert timeline.status == 200
    notes = [line for line in timeline.json if line["kind"] == "note"]
    assert notes and notes[0]["details"] == ["▇▇▇"] and notes[0]["withheld"] is True
    received = [line for line in timeline.json if line["kind"] == "received"]
    assert received and received[0]["withheld"] is False  # no free text: told as before
    listing = api.get("/complaints")
    row = next(r for r in listing["items"] if r["reference"] == hurt.reference)
    assert set(row["sensitive"]) >= {"injury", "minor"}
    messages = api.get(f"/complaints/{hurt.reference}/messages")
    for reply in (one, timeline, listing, messages):
        for word in SECRETS:
            assert word not in _text(reply.json), word


def test_the_people_who_handle_it_read_it_and_a_colleague_does_not(cast: Cast, hurt: Complaint):
    manager = complaint_out(hurt, Principal.staff(cast.manager))
    assert manager.description == TOLD and manager.customer_request == ASKED
    assert manager.withheld is False and set(manager.sensitive) >= {"injury", "minor"}
    assert reads_sensitive(hurt, Principal.staff(cast.desk))  # received it
    colleague = complaint_out(hurt, Principal.staff(cast.specialist2))
    assert colleague.withheld is True
    assert all(w not in colleague.model_dump_json() for w in SECRETS)


def test_a_complaint_without_sensitive_data_answers_as_before(keys: Keys, cast: Cast):
    told = "淋浴间没有热水，等了二十分钟。"
    c = cast.receive(description=told, customer_request="退一次课时费")
    services.complaint_add_note(complaint=c, actor=cast.desk, text="已通知工程部检修热水器")
    api = Api(keys.crm)
    one = api.get(f"/complaints/{c.reference}")
    assert one["sensitive"] == [] and one["withheld"] is False
    assert one["description"] == told and one["customer_request"] == "退一次课时费"
    timeline = api.get(f"/complaints/{c.reference}/timeline").json
    note = next(line for line in timeline if line["kind"] == "note")
    assert note["details"] == ["已通知工程部检修热水器"] and note["withheld"] is False
    assert complaint_out(c, Principal.staff(cast.specialist2)).description == told
