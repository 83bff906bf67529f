"""Member care in the console, at the Jing'an gym in late November 2026: the specialist's calls
due today and member book, a member's page (points, first contact, visits, a new specialist),
the call sheet with its two branches (an unhappy answer opens a complaint, linked), campaigns
and their summary and CSV, care rules, coach feedback and the desk's visits. Every page checks
who is asking: maintenance and people of other venues are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.care import services
from amends.care.models import CampaignCall, CareRule, CoachFeedback, RevisitCampaign
from amends.care.tests.stories import campaign, member
from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.core import clock
from amends.members.models import Member
from amends.orgs.models import User

NOW = local(2026, 11, 26, 11, 0)
PHONE = "13900001234"


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


def get(client: Client, url: str) -> Any:
    with clock.travel(NOW):
        return client.get(url)


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    with clock.travel(NOW):
        return client.post(url, data)


@pytest.fixture(autouse=True)
def _no_lockout_records(settings: Any) -> None:
    # force_login's request has no address; axes would record "unknown" as an IP (refused by
    # PostgreSQL's inet column). Sign-in lockout is not what these pages test.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _in_english(cast: Cast) -> None:
    """The staff read English here, so the messages are matched as written (zh is the
    browser test's)."""
    User.objects.filter(company=cast.company).update(language="en")


@pytest.fixture
def story(cast: Cast) -> dict[str, Any]:
    """Wang Fang joined on 20 November, Li Lei's specialist is specialist2; the joining
    campaign's call to Wang Fang is due on the 23rd + 3 days = the 26th at 10:00."""
    c = campaign(cast)
    wang = member(cast, "A001", name="王芳", phone=PHONE)
    wang = services.specialist_assign(
        member=wang, specialist=cast.specialist, now=local(2026, 11, 20, 9, 0)
    )
    li = member(cast, "A002", name="李雷", expires_on="2026-12-10")
    li = services.specialist_assign(
        member=li, specialist=cast.specialist2, now=local(2026, 11, 20, 9, 0)
    )
    call = services.campaign_trigger(
        venue=cast.gym,
        trigger=RevisitCampaign.Trigger.JOINING,
        member=wang,
        at=local(2026, 11, 23, 10, 0),
        key="joining:2026-11-23",
    )
    assert call is not None and call.due_at == local(2026, 11, 26, 10, 0)
    return {"campaign": c, "wang": wang, "li": li, "call": call}


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
        {"direction": "earn", "points": "10", "reason": "purchase"},
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
        {"direction": "earn", "points": "10", "reason": "purchase"},
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
        {"direction": "earn", "points": "10", "reason": "purchase"},
    )
    assert moved.status_code == 403
    assert Member.objects.get(pk=wang.pk).points == 0


def test_points_are_earned_and_a_redeem_beyond_the_balance_is_refused(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    wang = story["wang"]
    as_(client, cast.specialist)
    url = page("care_member_act", wang.pk, "points")
    earned = post(client, url, {"direction": "earn", "points": "100", "reason": "purchase"})
    assert earned.status_code == 302
    refused = post(
        client,
        url,
        {"direction": "redeem", "points": "150", "reason": "redeem_goods", "note": "水杯"},
    )
    assert refused.status_code == 400
    assert "Not enough points: the member has 100." in text(refused)
    assert 'value="150"' in text(refused)  # the form as it was filled
    assert Member.objects.get(pk=wang.pk).points == 100
    redeemed = post(client, url, {"direction": "redeem", "points": "60", "reason": "redeem_class"})
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
        client, url, {"direction": "earn", "points": "5", "reason": "purchase", "note": "x" * 201}
    )
    assert long.status_code == 400
    nul = post(
        client, url, {"direction": "earn", "points": "5", "reason": "purchase", "note": "a\x00"}
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


# --- the call sheet -----------------------------------------------------------------------


def test_the_call_sheet_shows_the_branch_chosen(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    call = story["call"]
    as_(client, cast.specialist)
    plain = text(get(client, page("care_call", call.pk)))
    assert "您好，我是静安健身会所的客服专员。" in plain and "祝您健身愉快，再见。" in plain
    assert 'data-part="satisfied"' not in plain and 'data-part="unsatisfied"' not in plain
    happy = text(get(client, page("care_call", call.pk) + "?branch=satisfied"))
    assert "感谢您的认可！" in happy and "非常抱歉" not in happy
    assert "data-complaint-warning" not in happy
    assert '<option value="satisfied" selected>' in happy
    unhappy = text(get(client, page("care_call", call.pk) + "?branch=not_satisfied"))
    assert "非常抱歉，请您具体说说。" in unhappy and "感谢您的认可！" not in unhappy
    assert "data-complaint-warning" in unhappy
    assert "<script>" not in unhappy and " onclick" not in unhappy  # no inline script


def test_a_satisfied_call_is_recorded(client: Client, cast: Cast, story: dict[str, Any]) -> None:
    call = story["call"]
    as_(client, cast.specialist)
    done = post(
        client,
        page("care_call_record", call.pk),
        {"reached": "yes", "outcome": "satisfied", "score": "5", "version": str(call.version)},
    )
    assert done.status_code == 302
    fresh = CampaignCall.objects.get(pk=call.pk)
    assert (fresh.status, fresh.outcome, fresh.score) == ("done", "satisfied", 5)
    assert fresh.complaint is None
    after = text(get(client, page("care_call", call.pk)))
    assert "data-recorded" in after and 'id="form-call"' not in after
    again = post(
        client,
        page("care_call_record", call.pk),
        {"reached": "yes", "outcome": "satisfied", "version": str(fresh.version)},
    )
    assert again.status_code == 409 and "already been recorded" in text(again)


def test_an_unhappy_answer_opens_a_complaint_linked_from_the_sheet(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    call = story["call"]
    as_(client, cast.specialist)
    done = post(
        client,
        page("care_call_record", call.pk),
        {
            "reached": "yes",
            "outcome": "not_satisfied",
            "score": "2",
            "notes": "更衣室太脏，淋浴没有热水。",
            "branch": "not_satisfied",
            "version": str(call.version),
        },
    )
    assert done.status_code == 302
    complaint = Complaint.objects.get(campaign_calls=call)
    assert complaint.description == "更衣室太脏，淋浴没有热水。"
    shown = client.get(done["Location"])
    html = text(shown)
    assert complaint.reference in html  # the message and the link
    assert page("complaint", complaint.reference) in html


def test_a_call_not_reached_counts_the_attempt(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    call = story["call"]
    as_(client, cast.specialist)
    missing = post(
        client,
        page("care_call_record", call.pk),
        {"reached": "yes", "outcome": "", "version": str(call.version)},
    )
    assert missing.status_code == 400 and "Say whether the member is satisfied." in text(missing)
    tried = post(
        client,
        page("care_call_record", call.pk),
        {"reached": "no", "notes": "无人接听", "version": str(call.version)},
    )
    assert tried.status_code == 302
    fresh = CampaignCall.objects.get(pk=call.pk)
    assert (fresh.status, fresh.attempts) == ("due", 1)
    stale = post(
        client,
        page("care_call_record", call.pk),
        {"reached": "no", "version": str(call.version)},
    )
    assert stale.status_code == 409
    assert "Someone else recorded this call meanwhile" in text(stale)
    assert CampaignCall.objects.get(pk=call.pk).attempts == 1


@pytest.mark.parametrize("who", ["outsider", "stranger", "maintenance", "desk"])
def test_a_call_of_another_venue_is_not_found(
    client: Client, cast: Cast, story: dict[str, Any], who: str
) -> None:
    call = story["call"]
    as_(client, getattr(cast, who))
    assert get(client, page("care_call", call.pk)).status_code == 404
    tried = post(
        client,
        page("care_call_record", call.pk),
        {"reached": "yes", "outcome": "satisfied", "version": str(call.version)},
    )
    assert tried.status_code == 404
    assert CampaignCall.objects.get(pk=call.pk).status == "due"


# --- campaigns ----------------------------------------------------------------------------


def test_the_manager_starts_a_campaign_from_the_default_script(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    as_(client, cast.manager)
    form = get(client, page("care_campaign_new"))
    assert form.status_code == 200
    assert "Do you have two minutes" in text(form)  # the English default script
    data = {
        "venue": cast.gym.pk,
        "name": "Renewal thanks",
        "trigger": "renewal",
        "due_days": "3",
        "inactivity_days": "10",
        "starts_on": "2026-11-26",
        "greeting": "Hello from {venue}.",
        "satisfied_script": "Thanks!",
        "unsatisfied_script": "Sorry, tell me more.",
        "closing": "Bye.",
    }
    bad = post(client, page("care_campaign_new"), {**data, "ends_on": "2026-11-01"})
    assert bad.status_code == 400 and "cannot end before it starts" in text(bad)
    made = post(client, page("care_campaign_new"), data)
    assert made.status_code == 302
    created = RevisitCampaign.objects.get(name="Renewal thanks")
    edit = page("care_campaign_edit", created.pk)
    changed = post(client, edit, {**data, "name": "Renewal call", "version": "1"})
    assert changed.status_code == 302
    stale = post(client, edit, {**data, "name": "Again", "version": "1"})
    assert stale.status_code == 409 and "changed this campaign meanwhile" in text(stale)
    assert RevisitCampaign.objects.get(pk=created.pk).name == "Renewal call"


def test_campaigns_are_run_by_managers(client: Client, cast: Cast, story: dict[str, Any]) -> None:
    as_(client, cast.specialist)
    listed = text(get(client, page("care_campaigns")))
    assert story["campaign"].name in listed and "<progress" in listed
    assert page("care_campaign_new") not in listed
    assert get(client, page("care_campaign_new")).status_code == 403
    assert get(client, page("care_campaign_edit", story["campaign"].pk)).status_code == 403
    assert get(as_(Client(), cast.maintenance), page("care_campaigns")).status_code == 403
    other = as_(Client(), cast.outsider)
    assert get(other, page("care_campaign", story["campaign"].pk)).status_code == 404
    assert get(other, page("care_campaign_csv", story["campaign"].pk)).status_code == 404


def test_the_campaign_summary_and_its_csv(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    call = story["call"]
    as_(client, cast.specialist)
    post(
        client,
        page("care_call_record", call.pk),
        {"reached": "yes", "outcome": "satisfied", "score": "4", "version": str(call.version)},
    )
    as_(client, cast.manager)
    html = text(get(client, page("care_campaign", story["campaign"].pk)))
    assert "<b data-coverage>100.00%</b>" in html
    assert 'data-figure="average">4.00<' in html
    assert cast.specialist.name_in() in html
    exported = get(client, page("care_campaign_csv", story["campaign"].pk))
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    body = exported.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "A001" in body and PHONE not in body and "王芳" not in body


def test_the_manager_finishes_a_campaign(client: Client, cast: Cast, story: dict[str, Any]) -> None:
    c = story["campaign"]
    as_(client, cast.manager)
    stale = post(client, page("care_campaign_finish", c.pk), {"version": "0"})
    assert stale.status_code == 409
    done = post(client, page("care_campaign_finish", c.pk), {"version": str(c.version)})
    assert done.status_code == 302
    assert RevisitCampaign.objects.get(pk=c.pk).status == "finished"


# --- care rules ---------------------------------------------------------------------------


def test_the_manager_sets_up_care_rules(client: Client, cast: Cast) -> None:
    as_(client, cast.manager)
    shown = get(client, page("care_rules"))
    assert shown.status_code == 200
    html = text(shown)
    for kind in CareRule.Kind.values:
        assert f'id="form-rule-{kind}"' in html
    assert 'value="30, 10, 1"' in html  # the renewal default
    data = {
        "active": "on",
        "days": "30，10, 1",
        "send_at": "10:00",
        "channel": "sms",
        "message_zh": "{name}您好，会籍还有{days}天到期。",
        "message_en": "Hello {name}, {days} days left.",
    }
    url = page("care_rule", "renewal") + "?venue=GYM1"
    assert post(client, url, data).status_code == 302
    rule = CareRule.objects.get(venue=cast.gym, kind="renewal")
    assert rule.days == [30, 10, 1]
    bad = post(client, url, {**data, "days": "0, abc", "version": str(rule.version)})
    assert bad.status_code == 400 and "from 1 to 365" in text(bad)
    assert post(client, url, {**data, "days": "7", "version": "1"}).status_code == 302
    stale = post(client, url, {**data, "days": "5", "version": "1"})
    assert stale.status_code == 409
    assert CareRule.objects.get(pk=rule.pk).days == [7]


def test_care_rules_are_the_managers(client: Client, cast: Cast) -> None:
    auditor = text(get(as_(Client(), cast.auditor), page("care_rules")))
    assert "form-rule-" not in auditor and "data-care-sent" in auditor
    for who in (cast.specialist, cast.desk, cast.maintenance):
        assert get(as_(Client(), who), page("care_rules")).status_code == 403
    outsider = as_(Client(), cast.outsider)
    assert get(outsider, page("care_rules") + "?venue=GYM1").status_code == 403
    tried = post(
        outsider,
        page("care_rule", "birthday") + "?venue=GYM1",
        {"send_at": "10:00", "channel": "sms", "message_zh": "生日快乐", "message_en": "Hi"},
    )
    assert tried.status_code == 403
    assert not CareRule.objects.filter(venue=cast.gym).exists()


# --- coaches and visits -------------------------------------------------------------------


def test_a_members_feedback_on_a_coach(client: Client, cast: Cast, story: dict[str, Any]) -> None:
    as_(client, cast.specialist)
    form = text(get(client, page("care_coaches")))
    assert f'<option value="{cast.coach.pk}">' in form
    assert f'<option value="{cast.courses.pk}">' not in form  # a course supervisor, no coach
    bad = post(
        client,
        page("care_coaches"),
        {"venue": cast.gym.pk, "coach": cast.coach.pk, "score": "5", "member": "NOPE"},
    )
    assert bad.status_code == 400 and "No member with this number" in text(bad)
    done = post(
        client,
        page("care_coaches"),
        {"venue": cast.gym.pk, "coach": cast.coach.pk, "score": "4", "member": "A001"},
    )
    assert done.status_code == 302
    assert CoachFeedback.objects.get().member == story["wang"]
    table = text(get(client, page("care_coaches")))
    assert f'data-coach="{cast.coach.pk}"' in table and "4.00" in table
    for who in (cast.maintenance, cast.coach):
        assert get(as_(Client(), who), page("care_coaches")).status_code == 403
    desk = as_(Client(), cast.desk)  # records feedback, does not read the table
    shown = text(get(desk, page("care_coaches")))
    assert 'id="form-feedback"' in shown and "data-coach-table" not in shown
    recorded = post(
        desk, page("care_coaches"), {"venue": cast.gym.pk, "coach": cast.coach.pk, "score": "3"}
    )
    assert recorded.status_code == 302 and CoachFeedback.objects.count() == 2


def test_the_desk_records_a_visit(client: Client, cast: Cast, story: dict[str, Any]) -> None:
    as_(client, cast.desk)
    assert get(client, page("care_visits")).status_code == 200
    unknown = post(
        client, page("care_visits"), {"venue": cast.gym.pk, "number": "Z999", "on": "2026-11-26"}
    )
    assert unknown.status_code == 400 and "No member with this number" in text(unknown)
    done = post(
        client, page("care_visits"), {"venue": cast.gym.pk, "number": "A001", "on": "2026-11-26"}
    )
    assert done.status_code == 302
    assert str(Member.objects.get(pk=story["wang"].pk).last_visit_on) == "2026-11-26"
    other = as_(Client(), cast.outsider)  # the other gym's desk: GYM1 is not among its venues
    refused = post(
        other, page("care_visits"), {"venue": cast.gym.pk, "number": "A002", "on": "2026-11-26"}
    )
    assert refused.status_code == 400
    assert Member.objects.get(pk=story["li"].pk).last_visit_on is None
    assert get(as_(Client(), cast.maintenance), page("care_visits")).status_code == 403


# --- accessibility ------------------------------------------------------------------------


def test_every_control_of_the_care_pages_has_a_label(
    client: Client, cast: Cast, story: dict[str, Any]
) -> None:
    from amends.console.tests.test_accessibility import unlabelled

    c, wang, call = story["campaign"], story["wang"], story["call"]
    pages = {
        cast.manager: [
            page("care_member", wang.pk),
            page("care_members"),
            page("care_campaigns"),
            page("care_campaign_new"),
            page("care_campaign", c.pk),
            page("care_rules"),
            page("care_coaches"),
        ],
        cast.specialist: [
            page("care_calls"),
            page("care_book"),
            page("care_call", call.pk) + "?branch=not_satisfied",
        ],
        cast.desk: [page("care_visits"), page("care_coaches")],
    }
    for person, urls in pages.items():
        as_(client, person)
        for url in urls:
            shown = get(client, url)
            assert shown.status_code == 200, url
            assert unlabelled(text(shown)) == [], url
