"""The search box over every complaint, open and closed: words through the token index, newest
first, counted no further than 1,000; sensitive text found only by who may read it; erased text
never found again; a customer's email found through the blind index."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.complaints.models import Complaint
from amends.complaints.services.access import may_see_sensitive
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.privacy.purge import purge

S = State
URL = reverse("console:search")


def listed(response: HttpResponse) -> list[str]:
    """The references the search page shows, in its order."""
    assert response.status_code == 200, response.status_code
    return re.findall(r'<tr data-reference="([^"]+)">', response.content.decode())


def found(client: Client, words: str, **more: str) -> list[str]:
    return listed(client.get(URL, {"q": words, **more}))


def test_it_finds_open_and_closed_complaints_newest_first(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 18, 9, 0)):
        closed = drive(cast, S.CLOSED, description="跑步机皮带打滑", location="2楼")
    with clock.travel(local(2026, 11, 20, 9, 0)):
        upstairs = cast.receive(description="跑步机屏幕不亮", location="2楼")
        downstairs = cast.receive(description="跑步机有异响", location="1楼")
        english = cast.receive(description="The treadmill on floor 2 is noisy", language="en")
    client.force_login(cast.manager)
    assert found(client, "跑步机") == [downstairs.reference, upstairs.reference, closed.reference]
    assert found(client, "跑步机 2楼") == [upstairs.reference, closed.reference]
    assert found(client, "跑") == [downstairs.reference, upstairs.reference, closed.reference]
    assert found(client, "Treadmill 2") == [english.reference]
    assert found(client, "跑步机 noisy") == []


def test_it_counts_no_further_than_the_cap(client: Client, cast: Cast, monkeypatch) -> None:
    monkeypatch.setattr("amends.console.paging.CAP", 3)
    with clock.travel(local(2026, 11, 20, 9, 0)):
        for _ in range(5):
            cast.receive(description="淋浴没有热水")
    client.force_login(cast.manager)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(URL, {"q": "热水"}).content.decode()
    assert 'data-count="4"' in html and "1,000+" in html
    counts = [
        q["sql"]
        for q in captured
        if "COUNT(" in q["sql"].upper() and "complaints_complaint" in q["sql"]
    ]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts
    monkeypatch.setattr("amends.console.paging.CAP", 1000)
    html = client.get(URL, {"q": "热水"}).content.decode()
    assert 'data-count="5"' in html and "1,000+" not in html


def test_a_sensitive_complaint_is_found_by_its_words_only_by_who_may_read_them(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        hurt = cast.receive(description="跑步机皮带突然打滑，我摔倒了膝盖流血。")
    hurt = Complaint.objects.get(pk=hurt.pk)
    assert hurt.sensitive and not may_see_sensitive(hurt, cast.auditor)
    assert may_see_sensitive(hurt, cast.manager)
    client.force_login(cast.auditor)
    assert found(client, "膝盖") == []
    assert client.get(URL, {"q": hurt.reference}).status_code == 302  # the reference opens it
    client.force_login(cast.manager)
    assert found(client, "膝盖") == [hurt.reference]


def test_erased_text_is_never_found_again(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 6, 0)):
        c = drive(cast, S.CLOSED, description="跑步机坏了", location="二楼东侧")
    client.force_login(cast.manager)
    with clock.travel(local(2026, 11, 21, 9, 0)):
        assert found(client, "跑步机 东侧") == [c.reference]
    purge(now=local(2029, 11, 21, 12, 0))
    erased = Complaint.objects.get(pk=c.pk)
    assert erased.anonymised_at is not None
    assert erased.search_tokens.split() == ["gym1", "20261120", "0001"]
    with clock.travel(local(2029, 11, 21, 13, 0)):
        assert found(client, "跑步机") == [] and found(client, "东侧") == []
        assert client.get(URL, {"q": c.reference}).status_code == 302


@pytest.mark.parametrize("written", ["wang.fang@example.com", "Wang.Fang@Example.COM"])
def test_it_finds_a_customer_by_email_through_the_blind_index(
    client: Client, cast: Cast, written: str
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        hers = cast.receive(
            email="wang.fang@example.com", description="更衣柜坏了 wang.fang@example.com"
        )
        cast.receive(email="li.na@example.com", phone="13912345678", description="更衣柜坏了")
    client.force_login(cast.desk)
    assert found(client, written) == [hers.reference]
    assert found(client, "example") == []  # an email is never a keyword


def test_the_list_filter_finds_a_sensitive_complaint_by_its_words_only_for_who_may_read_them(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        hurt = cast.receive(description="跑步机皮带突然打滑，我摔倒了膝盖流血。")
    all_complaints = reverse("console:queue", args=["all"])
    client.force_login(cast.auditor)
    assert listed(client.get(all_complaints, {"q": "膝盖"})) == []
    client.force_login(cast.manager)
    assert listed(client.get(all_complaints, {"q": "膝盖"})) == [hurt.reference]
