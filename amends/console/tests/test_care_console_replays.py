"""A member's page posted twice at the Jing'an gym on 26 November 2026: the second post of the
same page (a double click, a reload) is refused as stale — a new specialist is not given twice,
100 points are not earned twice — and the first contact's note is kept."""

# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from django.test import Client

from amends.conftest import Cast

# `story` and the autouse fixtures come from care_story; a test naming `story` takes it.
from amends.console.tests.care_story import (  # noqa: F401
    _in_english,
    _no_lockout_records,
    as_,
    get,
    page,
    post,
    story,
    text,
)
from amends.members.models import Member


def test_the_same_reassign_page_posted_twice_is_refused_the_second_time(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = Member.objects.get(pk=story["wang"].pk)
    as_(client, cast.manager)
    url = page("care_member_act", wang.pk, "reassign")
    first = post(client, url, {"specialist": cast.specialist2.pk, "version": str(wang.version)})
    assert first.status_code == 302
    assert Member.objects.get(pk=wang.pk).version == wang.version + 1
    second = post(client, url, {"specialist": cast.specialist.pk, "version": str(wang.version)})
    assert second.status_code == 409
    assert "Someone else changed this member meanwhile" in text(second)
    assert Member.objects.get(pk=wang.pk).specialist == cast.specialist2


def test_earning_100_points_posted_twice_adds_100_once(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = Member.objects.get(pk=story["wang"].pk)
    as_(client, cast.specialist)
    html = text(get(client, page("care_member", wang.pk)))
    assert f'name="version" value="{wang.version}"' in html.split('id="form-points"')[1]
    url = page("care_member_act", wang.pk, "points")
    form = {"direction": "earn", "points": "100", "reason": "purchase", "version": wang.version}
    assert post(client, url, form).status_code == 302
    again = post(client, url, form)
    assert again.status_code == 409
    fresh = Member.objects.get(pk=wang.pk)
    assert (fresh.points, fresh.version) == (100, wang.version + 1)
    assert fresh.points_movements.count() == 1


def test_the_first_contacts_note_is_kept_and_shown(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = Member.objects.get(pk=story["wang"].pk)
    as_(client, cast.specialist)
    contact = post(
        client,
        page("care_member_act", wang.pk, "contact"),
        {"note": "欢迎入会，周六想试私教课", "version": str(wang.version)},
    )
    assert contact.status_code == 302
    assert Member.objects.get(pk=wang.pk).first_contact_note == "欢迎入会，周六想试私教课"
    assert "欢迎入会，周六想试私教课" in text(get(client, page("care_member", wang.pk)))
