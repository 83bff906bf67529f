"""Lists through the API: stable cursor pages, filters, masked customers; the taxonomy, venues
and departments in the request's language; the rate limit per key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.api.tests.conftest import NOW, Api, Keys, complaint_json
from amends.complaints.tests.stories import act, received
from amends.conftest import Cast
from amends.core import clock


def _record(app: Api, count: int, start: int = 0, **fields: Any) -> list[str]:
    """`count` complaints recorded by `app`, a minute apart from `start` minutes after NOW."""
    references = []
    for n in range(start, start + count):
        with clock.travel(NOW + timedelta(minutes=n)):
            reply = app.post(
                "/complaints", complaint_json(phone=f"1370013{7000 + n:04d}", **fields)
            )
            assert reply.status == 201, reply
            references.append(reply["reference"])
    return references


def test_pages_follow_the_cursor_oldest_first_and_end(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    references = _record(app, 5)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = app.get("/complaints", **params)
        assert page.status == 200, page
        assert len(page["items"]) <= 2
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next"]
        pages += 1
        if cursor is None:
            break
    assert seen == references
    assert pages == 3
    # A complaint recorded meanwhile comes after the last page, never in the middle.
    later = _record(app, 1, start=30, description="新的一条")
    with clock.travel(NOW + timedelta(hours=1)):
        assert [c["reference"] for c in app.get("/complaints", limit=100)["items"]] == [
            *references,
            *later,
        ]


def test_a_bad_cursor_or_limit_is_refused(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    with clock.travel(NOW):
        bad = app.get("/complaints", cursor="not-a-cursor")
        assert (bad.status, bad["code"]) == (400, "invalid_cursor")
        too_many = app.get("/complaints", limit=101)
        assert (too_many.status, too_many["code"]) == (422, "invalid_input")
        assert "limit" in too_many["fields"]


def test_filters_narrow_the_list(cast: Cast, keys: Keys) -> None:
    crm = Api(keys.crm)
    with clock.travel(NOW):
        desk = received(cast, severity="urgent", category=cast.category("facility_equipment"))
        act("acknowledge", desk, cast.desk)
    social = _record(Api(keys.intake), 1, start=1, channel="social")[0]
    with clock.travel(NOW + timedelta(hours=2)):
        only = crm.get("/complaints", channel="social")
        assert [c["reference"] for c in only["items"]] == [social]
        urgent = crm.get("/complaints", severity="urgent", category="facility_equipment")
        assert [c["reference"] for c in urgent["items"]] == [desk.reference]
        assert crm.get("/complaints", venue="GYM2")["items"] == []
        after = crm.get("/complaints", received_after="2026-11-20T10:00:30+08:00")
        assert [c["reference"] for c in after["items"]] == [social]
        before = crm.get("/complaints", received_before="2026-11-20T10:00:30+08:00")
        assert [c["reference"] for c in before["items"]] == [desk.reference]
    with clock.travel(NOW + timedelta(hours=3)):
        act("note", desk, cast.desk, text="回电")
    with clock.travel(NOW + timedelta(hours=4)):
        updated = crm.get("/complaints", updated_after="2026-11-20T12:30:00+08:00")
        assert [c["reference"] for c in updated["items"]] == [desk.reference]
        state = crm.get("/complaints", state="received")
        assert desk.reference not in [c["reference"] for c in state["items"]]


def test_the_reader_sees_customers_masked(cast: Cast, keys: Keys) -> None:
    _record(Api(keys.app), 1)
    with clock.travel(NOW):
        item = Api(keys.reader).get("/complaints")["items"][0]
    assert item["customer"] == {"name": "赵*", "phone": "137****7000", "email": "", "masked": True}


def test_taxonomy_venues_and_departments_in_the_readers_language(cast: Cast, keys: Keys) -> None:
    with clock.travel(NOW):
        chinese = Api(keys.crm, language="zh-hans").get("/taxonomy")
        english = Api(keys.crm).get("/taxonomy")
        assert chinese.status == english.status == 200
        first_zh = next(c for c in chinese["categories"] if c["code"] == "service_quality")
        first_en = next(c for c in english["categories"] if c["code"] == "service_quality")
        assert first_zh["name"] == "服务质量" and first_en["name"] == "Service quality"
        assert {s["code"] for s in english["severities"]} == {"urgent", "important", "general"}
        assert {"app", "email", "web"} <= {c["code"] for c in english["channels"]}
        assert "vent" in {p["code"] for p in english["psychology"]}

        venues = Api(keys.crm).get("/venues")
        assert [v["code"] for v in venues.json] == ["GYM1", "GYM2", "HTL1"]
        assert [v["code"] for v in Api(keys.app).get("/venues").json] == ["GYM1"]
        departments = Api(keys.app, language="zh-hans").get("/venues/GYM1/departments")
        names = {d["code"]: d["name"] for d in departments.json}
        assert names["maintenance"] == "工程维修部"
        other = Api(keys.app).get("/venues/GYM2/departments")
        assert (other.status, other["code"]) == (404, "venue_not_found")


def test_each_key_is_limited_per_minute(
    cast: Cast, keys: Keys, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AMENDS_API_RATE_PER_MINUTE = 3
    # 45 seconds into a minute of the wall clock the limits count by: 15 seconds to wait.
    monkeypatch.setattr("time.time", lambda: 1_795_000_000.0 - 1_795_000_000 % 60 + 45)
    app = Api(keys.app, language="zh-hans")
    with clock.travel(NOW):
        assert [app.get("/venues").status for _ in range(3)] == [200, 200, 200]
        limited = app.get("/venues")
        assert (limited.status, limited["code"]) == (429, "rate_limited")
        assert limited.response["Retry-After"] == "15"
        assert limited["message"]
        # Another key has its own allowance.
        assert Api(keys.crm).get("/venues").status == 200


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_document_and_its_page_need_no_key(db: None, path: str) -> None:
    assert Api(None).get(path).status == 200


def test_the_docs_page_loads_swagger_from_our_own_static_files(db: None) -> None:
    html = Api(None).client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert '"url": "/api/v1/openapi.json"' in html
    # ...which ship with django-ninja (an installed app), so collectstatic gathers them.
    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"):
        assert finders.find(name), name


def test_a_page_costs_the_same_queries_however_many_rows(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    _record(app, 2)

    def queries() -> int:
        with clock.travel(NOW + timedelta(hours=1)), CaptureQueriesContext(connection) as seen:
            assert app.get("/complaints", limit=100).status == 200
        return len(seen.captured_queries)

    queries()  # the key's last use is recorded at most once a minute: not in what is counted
    few = queries()
    _record(app, 6, start=10)
    assert queries() == few
