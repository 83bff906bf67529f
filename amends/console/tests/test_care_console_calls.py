"""Member care in the console, continued: the call sheet with its two branches (an unhappy
answer opens a complaint, linked), campaigns with their summary and CSV, care rules, coach
feedback, the desk's visits, and labels on every control. Every page checks who is asking."""

# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from amends.care.models import CampaignCall, CareRule, CoachFeedback, RevisitCampaign
from amends.complaints.models import Complaint
from amends.conftest import Cast

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
from amends.members.models import Member

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
