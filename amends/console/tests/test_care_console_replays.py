"""A member's page posted twice at the Jing'an gym on 26 November 2026: the second post of the
same page (a double click, a reload) is refused as stale — a new specialist is not given twice,
100 points are not earned twice — and the first contact's note is kept."""

# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from django.test import Client

from amends.care import services
from amends.care.models import CampaignCall, RevisitCampaign
from amends.care.tests.stories import member
from amends.conftest import Cast, local

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


def test_a_call_to_a_member_nobody_looks_after_is_on_the_venues_lists(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    """Zhang Wei joined on 23 November with no specialist yet: the joining call (due on the 26th)
    shows in the calls due today of the gym's specialists and manager, marked "nobody yet", and
    one of them takes it from the call sheet; the other gym's staff do not see it."""
    zhang = member(cast, "A003", name="张伟")
    assert zhang.specialist_id is None
    call = services.campaign_trigger(
        venue=cast.gym,
        trigger=RevisitCampaign.Trigger.JOINING,
        member=zhang,
        at=local(2026, 11, 23, 10, 0),
        key="joining:2026-11-23",
    )
    assert call is not None and call.assignee_id is None
    for who in ("specialist", "specialist2", "manager"):
        as_(client, getattr(cast, who))
        html = text(get(client, page("care_calls")))
        row = html.split(f'data-call="{call.pk}"')
        assert len(row) == 2, who
        assert "data-unassigned" in row[1].split("</tr>")[0]
    as_(client, cast.outsider)
    assert f'data-call="{call.pk}"' not in text(get(client, page("care_calls")))
    as_(client, cast.specialist2)
    taken = post(
        client,
        page("care_call_record", call.pk),
        {"reached": "yes", "outcome": "satisfied", "score": "5", "version": str(call.version)},
    )
    assert taken.status_code == 302
    assert CampaignCall.objects.get(pk=call.pk).called_by == cast.specialist2
