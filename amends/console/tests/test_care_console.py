"""Member care in the console, at the Jing'an gym in late November 2026: the specialist's calls
due today and member book, the manager's list of members, a member's page (contact revealed,
points, first contact, visits, a new specialist) and a new member. Every page checks who is
asking: maintenance and people of other venues are refused."""

# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from amends.care import services
from amends.care.tests.stories import campaign, member
from amends.conftest import Cast, local

# `story` and the autouse fixtures come from care_story; a test naming `story` takes it.
from amends.console.tests.care_story import (  # noqa: F401
    NOW,
    PHONE,
    _in_english,
    _no_lockout_records,
    as_,
    get,
    page,
    post,
    story,
    text,
)
from amends.core import clock, config_cache
from amends.members.models import Member

# --- the specialist's day -----------------------------------------------------------------


def test_it_lists_my_calls_due_today_with_the_phone_masked(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    shown = get(as_(client, cast.specialist), page("care_calls"))
    assert shown.status_code == 200
    html = text(shown)
    call = story["call"]
    assert f'data-call="{call.pk}"' in html
    assert page("care_call", call.pk) in html
    assert "A001" in html and story["campaign"].name in html
    assert PHONE not in html and "1234" in html  # masked: the last digits only
    assert "王芳" not in html

    for who in (cast.specialist2, cast.outsider, cast.stranger):  # their own lists
        other = get(as_(Client(), who), page("care_calls"))
        assert other.status_code == 200 and f'data-call="{call.pk}"' not in text(other)


@pytest.mark.parametrize("who", ["maintenance", "desk", "coach"])
def test_it_refuses_the_calls_and_book_to_people_who_do_not_care_for_members(
    client: Client, cast: Cast, story: dict[str, Any], who: str
) -> None:
    as_(client, getattr(cast, who))
    assert get(client, page("care_calls")).status_code == 403
    assert get(client, page("care_book")).status_code == 403


def test_it_shows_my_member_book_with_its_badges(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    html = text(get(as_(client, cast.specialist), page("care_book")))
    assert f'data-member="{story["wang"].pk}"' in html
    assert f'data-member="{story["li"].pk}"' not in html  # specialist2's
    assert 'data-badge="contact-due"' in html  # assigned the 20th, contact due by the 27th
    with clock.travel(local(2026, 11, 28, 9, 0)):
        later = text(client.get(page("care_book")))
    assert 'data-badge="contact-overdue"' in later

    theirs = text(get(as_(Client(), cast.specialist2), page("care_book")))
    assert 'data-badge="expiring"' in theirs  # Li Lei's membership ends on 10 December


# --- the manager's list -------------------------------------------------------------------


def test_the_manager_lists_the_venues_members_with_filters(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    as_(client, cast.manager)
    html = text(get(client, page("care_members")))
    assert "A001" in html and "A002" in html
    only = text(get(client, page("care_members") + f"?specialist={cast.specialist2.pk}"))
    assert "A002" in only and "A001" not in only
    expiring = text(get(client, page("care_members") + "?expiring=on"))
    assert "A002" in expiring and "A001" not in expiring
    exact = text(get(client, page("care_members") + "?q=A001"))
    assert "A001" in exact and "A002" not in exact
    assert "A001" not in text(get(client, page("care_members") + "?q=A00"))  # exact numbers
    by_phone = text(get(client, page("care_members") + f"?q={PHONE}"))
    assert "A001" in by_phone and "A002" not in by_phone
    assert get(client, page("care_members") + "?status=bogus").status_code == 200


def test_the_member_lists_cost_the_same_whatever_their_length(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    as_(client, cast.manager)

    def queries(url: str) -> int:
        config_cache.clear()  # the reader's grants read again: the page's full cost
        with CaptureQueriesContext(connection) as seen:
            assert get(client, url).status_code == 200
        return len(seen)

    few = queries(page("care_members")), queries(page("care_campaigns"))
    for n in range(3, 8):
        services.specialist_assign(
            member=member(cast, f"B{n:03d}"), specialist=cast.specialist, now=NOW
        )
    campaign(cast, name="第二个回访计划")
    assert (queries(page("care_members")), queries(page("care_campaigns"))) == few
    as_(client, cast.specialist)
    book = queries(page("care_book"))
    services.specialist_assign(member=member(cast, "C001"), specialist=cast.specialist, now=NOW)
    assert queries(page("care_book")) == book


def test_the_member_list_is_the_managers_and_the_auditors(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    assert get(as_(Client(), cast.auditor), page("care_members")).status_code == 200
    for who in (cast.specialist, cast.maintenance, cast.desk):
        assert get(as_(Client(), who), page("care_members")).status_code == 403
    # The manager of the other gym sees theirs, never the Jing'an gym's.
    outsider = as_(Client(), cast.outsider)
    assert "A001" not in text(get(outsider, page("care_members")))
    assert get(outsider, page("care_members") + "?venue=GYM1").status_code == 403


# --- one member ---------------------------------------------------------------------------


def test_a_new_member_is_added_and_given_a_specialist(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    as_(client, cast.manager)
    assert page("care_member_new") in text(get(client, page("care_members")))
    assert get(client, page("care_member_new")).status_code == 200
    data = {
        "venue": cast.gym.pk,
        "number": "A003",
        "name": "赵敏",
        "phone": "13900005678",
        "language": "zh-hans",
        "plan": "季卡",
        "status": "active",
        "starts_on": "2026-11-26",
        "expires_on": "2027-02-25",
    }
    taken = post(client, page("care_member_new"), {**data, "number": "A001"})
    assert taken.status_code == 400 and 'id="new-number_error"' in text(taken)
    bad_phone = post(client, page("care_member_new"), {**data, "phone": "12345"})
    assert bad_phone.status_code == 400 and 'id="new-phone_error"' in text(bad_phone)
    nobody = post(client, page("care_member_new"), {**data, "name": "", "phone": ""})
    assert nobody.status_code == 400
    added = post(client, page("care_member_new"), data)
    assert added.status_code == 302
    created = Member.objects.get(venue=cast.gym, number="A003")
    assert created.specialist is not None and created.assigned_at == NOW
    assert created.customer.name == "赵敏" and created.plan == "季卡"
    auditor = as_(Client(), cast.auditor)
    assert page("care_member_new") not in text(get(auditor, page("care_members")))
    assert get(auditor, page("care_member_new")).status_code == 403
    other = post(as_(Client(), cast.outsider), page("care_member_new"), {**data, "number": "X"})
    assert other.status_code == 400  # GYM1 is not among the venues offered
    assert not Member.objects.filter(number="X").exists()


def test_the_member_page_shows_the_member_masked(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    shown = get(as_(client, cast.specialist), page("care_member", wang.pk))
    assert shown.status_code == 200
    html = text(shown)
    assert PHONE not in html and "王芳" not in html
    assert 'id="form-points"' in html and 'id="form-contact"' in html
    assert 'id="form-reassign"' not in html  # the manager's
    assert story["campaign"].name in html  # its campaign call


def test_the_contact_is_revealed_in_place_and_recorded(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    as_(client, cast.specialist)
    url = page("care_member_reveal", wang.pk)
    assert f'hx-post="{url}"' in text(get(client, page("care_member", wang.pk)))
    swapped = post_htmx(client, url)
    assert swapped.status_code == 200
    html = text(swapped)
    assert html.startswith('<dl class="contact" id="contact">')  # the card only
    assert "王芳" in html and "+8613900001234" in html
    whole = post(client, url, {})
    assert whole.status_code == 200 and "王芳" in text(whole) and "data-points" in text(whole)
    for who in (cast.maintenance, cast.outsider):
        assert post(as_(Client(), who), url, {}).status_code == 404
    assert "王芳" not in text(get(as_(Client(), cast.auditor), page("care_member", wang.pk)))


def post_htmx(client: Client, url: str) -> Any:
    with clock.travel(NOW):
        return client.post(url, {}, headers={"HX-Request": "true"})


@pytest.mark.parametrize("who", ["maintenance", "outsider", "stranger", "coach"])
def test_the_member_page_is_not_found_by_others(
    client: Client, cast: Cast, story: dict[str, Any], who: str
) -> None:
    as_(client, getattr(cast, who))
    wang = story["wang"]
    assert get(client, page("care_member", wang.pk)).status_code == 404
    moved = post(
        client,
        page("care_member_act", wang.pk, "points"),
        {"direction": "earn", "points": "10", "reason": "purchase", "version": _v(wang)},
    )
    assert moved.status_code == 404
    assert Member.objects.get(pk=wang.pk).points == 0


def test_the_desk_opens_a_member_to_record_a_visit_and_nothing_else(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    as_(client, cast.desk)
    html = text(get(client, page("care_member", wang.pk)))
    assert 'id="form-visit"' in html
    assert 'id="form-points"' not in html and 'id="form-edit"' not in html
    moved = post(
        client,
        page("care_member_act", wang.pk, "points"),
        {"direction": "earn", "points": "10", "reason": "purchase", "version": _v(wang)},
    )
    assert moved.status_code == 403
    visit = post(client, page("care_member_act", wang.pk, "visit"), {"on": "2026-11-26"})
    assert visit.status_code == 302


def test_the_auditor_reads_a_member_and_changes_nothing(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    as_(client, cast.auditor)
    html = text(get(client, page("care_member", wang.pk)))
    assert 'id="form-points"' not in html and 'id="form-edit"' not in html
    moved = post(
        client,
        page("care_member_act", wang.pk, "points"),
        {"direction": "earn", "points": "10", "reason": "purchase", "version": _v(wang)},
    )
    assert moved.status_code == 403
    assert Member.objects.get(pk=wang.pk).points == 0


def _v(member: Member) -> str:
    """The member's version as the page would carry it."""
    return str(Member.objects.get(pk=member.pk).version)


def test_points_are_earned_and_a_redeem_beyond_the_balance_is_refused(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    as_(client, cast.specialist)
    url = page("care_member_act", wang.pk, "points")
    earned = post(
        client,
        url,
        {"direction": "earn", "points": "100", "reason": "purchase", "version": _v(wang)},
    )
    assert earned.status_code == 302
    refused = post(
        client,
        url,
        {
            "direction": "redeem",
            "points": "150",
            "reason": "redeem_goods",
            "note": "水杯",
            "version": _v(wang),
        },
    )
    assert refused.status_code == 400
    assert "Not enough points: the member has 100." in text(refused)
    assert 'value="150"' in text(refused)  # the form as it was filled
    assert Member.objects.get(pk=wang.pk).points == 100
    redeemed = post(
        client,
        url,
        {"direction": "redeem", "points": "60", "reason": "redeem_class", "version": _v(wang)},
    )
    assert redeemed.status_code == 302
    html = text(get(client, page("care_member", wang.pk)))
    assert "data-points>40<" in html and "-60" in html


def test_bad_input_is_shown_on_the_form(client: Client, cast: Cast, story: dict[str, Any]) -> None:
    wang = story["wang"]
    as_(client, cast.specialist)
    url = page("care_member_act", wang.pk, "points")
    bad = post(client, url, {"direction": "earn", "points": "-5", "reason": "nonsense"})
    assert bad.status_code == 400 and 'class="error"' in text(bad)
    long = post(
        client,
        url,
        {
            "direction": "earn",
            "points": "5",
            "reason": "purchase",
            "note": "x" * 201,
            "version": _v(wang),
        },
    )
    assert long.status_code == 400
    nul = post(
        client,
        url,
        {
            "direction": "earn",
            "points": "5",
            "reason": "purchase",
            "note": "a\x00",
            "version": _v(wang),
        },
    )
    assert nul.status_code == 400
    assert Member.objects.get(pk=wang.pk).points == 0


def test_an_edit_on_a_stale_page_is_refused(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    as_(client, cast.specialist)
    form = {
        "plan": "两年卡",
        "status": "active",
        "starts_on": "2026-01-01",
        "expires_on": "2027-01-01",
        "quiet_from": "21:00",
        "quiet_to": "09:00",
        "opt_outs": ["wechat"],
        "version": str(wang.version),
    }
    saved = post(client, page("care_member_act", wang.pk, "edit"), form)
    assert saved.status_code == 302
    fresh = Member.objects.get(pk=wang.pk)
    assert (fresh.plan, fresh.opt_outs, fresh.number) == ("两年卡", ["wechat"], "A001")
    assert fresh.customer.language == "zh-hans"
    stale = post(client, page("care_member_act", wang.pk, "edit"), {**form, "plan": "月卡"})
    assert stale.status_code == 409
    assert "Someone else changed this member meanwhile" in text(stale)
    assert Member.objects.get(pk=wang.pk).plan == "两年卡"


def test_first_contact_visit_and_a_new_specialist(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    as_(client, cast.specialist)
    contact = post(
        client,
        page("care_member_act", wang.pk, "contact"),
        {"note": "欢迎入会", "version": str(wang.version)},
    )
    assert contact.status_code == 302
    assert Member.objects.get(pk=wang.pk).first_contact_at == NOW
    future = post(client, page("care_member_act", wang.pk, "visit"), {"on": "2026-11-27"})
    assert future.status_code == 400 and "A visit cannot be in the future." in text(future)
    visit = post(client, page("care_member_act", wang.pk, "visit"), {"on": "2026-11-25"})
    assert visit.status_code == 302
    assert str(Member.objects.get(pk=wang.pk).last_visit_on) == "2026-11-25"

    refused = post(
        client,
        page("care_member_act", wang.pk, "reassign"),
        {"specialist": cast.specialist2.pk, "version": "2"},
    )
    assert refused.status_code == 403  # a specialist does not hand members over
    fresh = Member.objects.get(pk=wang.pk)
    as_(client, cast.manager)
    stale = post(
        client,
        page("care_member_act", wang.pk, "reassign"),
        {"specialist": cast.specialist2.pk, "version": str(fresh.version - 1)},
    )
    assert stale.status_code == 409
    moved = post(
        client,
        page("care_member_act", wang.pk, "reassign"),
        {"specialist": cast.specialist2.pk, "version": str(fresh.version)},
    )
    assert moved.status_code == 302
    assert Member.objects.get(pk=wang.pk).specialist == cast.specialist2
