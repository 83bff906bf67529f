"""Repeat complaints and possible duplicates (SPEC §2), on concrete dates."""

import pytest
from django.utils.translation import override

from amends.complaints import catalogue, selectors
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.narrative import tell
from amends.complaints.tests.stories import act, drive, received
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidInput

S = State
FIRST = local(2026, 11, 2, 10, 0)


def first(cast, **fields) -> Complaint:
    with clock.travel(FIRST):
        return drive(cast, S.INVESTIGATING, **fields)


def kinds(c: Complaint) -> list[str]:
    return list(ComplaintEvent.objects.filter(complaint=c).values_list("kind", flat=True))


def test_it_links_a_repeat_on_day_29_and_makes_it_important(cast):
    earlier = first(cast)
    with clock.travel(local(2026, 12, 1, 10, 0)):  # day 29
        again = received(cast, channel="phone", description="又一次私教课迟到。")
    assert again.repeat_of == earlier and again.repeat_count == 1
    assert again.possible_duplicate_of is None  # older than 72 h: not the same matter twice
    assert again.severity == "important"  # the intake said general
    assert again.respond_due == local(2026, 12, 1, 22, 0)  # important: 12 h
    event = ComplaintEvent.objects.get(complaint=again, kind="repeat")
    assert event.data == {
        "earlier": [earlier.reference],
        "window_days": 30,
        "severity_before": "general",
        "severity_after": "important",
    }


def test_it_is_no_repeat_on_day_31(cast):
    first(cast)
    with clock.travel(local(2026, 12, 3, 10, 0)):  # day 31
        again = received(cast, channel="phone")
    assert again.repeat_of is None and again.repeat_count == 0
    assert again.severity == "general"
    assert "repeat" not in kinds(again)


def test_it_is_no_repeat_about_another_category_or_at_another_venue(cast):
    first(cast)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        other_category = received(cast, category=cast.category("hygiene_environment"))
        other_venue = cast.receive(
            actor=cast.outsider, venue=cast.gym2, phone="13912345678", category="service_quality"
        )
    assert other_category.repeat_count == 0 and other_venue.repeat_count == 0


def test_it_matches_the_customer_by_email_blind_index(cast):
    earlier = first(cast, phone="", email="li.na@example.com")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        again = received(cast, phone="", email="LI.NA@example.com")
    assert again.customer_id == earlier.customer_id
    assert again.repeat_of == earlier


def test_it_counts_every_earlier_complaint_and_links_the_latest(cast):
    one = first(cast)
    with clock.travel(local(2026, 11, 10, 10, 0)):
        two = received(cast)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        three = received(cast)
    assert three.repeat_of == two and three.repeat_count == 2
    event = ComplaintEvent.objects.get(complaint=three, kind="repeat")
    assert event.data["earlier"] == [two.reference, one.reference]


def test_it_finds_a_repeat_when_the_category_is_set_later(cast):
    earlier = first(cast)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        later = received(cast, category=None, severity="")
        assert later.repeat_count == 0
        later = act("classify", later, cast.desk, category=cast.category("service_quality"))
    later.refresh_from_db()
    assert later.repeat_of == earlier and later.repeat_count == 1
    assert later.severity == "important"
    told = kinds(later)
    assert told.index("repeat") < len(told) - 1 - told[::-1].index("fields_changed")
    assert ComplaintEvent.objects.filter(complaint=later, kind="fields_changed").last().data == {
        "severity": {"before": "", "after": "important"}
    }


def test_it_flags_a_duplicate_within_72_hours_and_offers_it_at_intake(cast):
    with clock.travel(local(2026, 12, 1, 10, 0)):
        original = received(cast)
    with clock.travel(local(2026, 12, 4, 9, 0)):  # 71 h later
        offered = selectors.possible_duplicates(actor=cast.desk, phone="139 1234 5678")
        assert [c.reference for c in offered] == [original.reference]
        twice = received(cast, channel="phone")
    assert twice.possible_duplicate_of == original
    assert twice.repeat_count == 0 and twice.severity == "general"
    assert ComplaintEvent.objects.get(complaint=twice, kind="possible_duplicate").data == {
        "of": original.reference,
        "window_hours": 72,
    }
    with clock.travel(local(2026, 12, 4, 11, 0)):  # 73 h after the original
        still = selectors.possible_duplicates(actor=cast.desk, phone="13912345678")
        assert [c.reference for c in still] == [twice.reference]  # the original is too old
        late = received(cast)
    assert late.possible_duplicate_of == twice


def test_it_keeps_the_duplicate_warning_until_someone_says_it_is_not_one(cast):
    with clock.travel(local(2026, 12, 1, 10, 0)):
        original = received(cast)
    with clock.travel(local(2026, 12, 1, 10, 30)):
        twice = received(cast, channel="phone")
    assert twice.possible_duplicate_of == original
    assert "not_duplicate" in [s.name for s in catalogue.available(twice, cast.specialist)]
    with clock.travel(local(2026, 12, 1, 15, 0)):
        twice = act("not_duplicate", twice, cast.specialist, reason="是另一位教练的课")
    twice.refresh_from_db()
    assert twice.possible_duplicate_of is None
    assert ComplaintEvent.objects.get(complaint=twice, kind="not_duplicate").data == {
        "of": original.reference,
        "reason": "是另一位教练的课",
    }
    # Not the same matter: the customer complained twice about it, a repeat.
    assert twice.repeat_of == original and twice.severity == "important"
    assert "not_duplicate" not in [s.name for s in catalogue.available(twice, cast.specialist)]
    with pytest.raises(InvalidInput) as refused:
        act("not_duplicate", twice, cast.specialist)
    assert refused.value.code == "needs_possible_duplicate"


def test_it_tells_the_survivor_what_came_in_with_the_merged_complaint(cast):
    with clock.travel(local(2026, 12, 1, 10, 0)):
        original = drive(cast, S.INVESTIGATING)
    with clock.travel(local(2026, 12, 1, 11, 0)):
        twice = received(
            cast, channel="phone", description="电话再次投诉教练迟到。", customer_request="退课"
        )
        act("merge", twice, cast.specialist, into=original.reference, reason="同一事项")
    twice.refresh_from_db()
    assert twice.state == S.MERGED and twice.merged_into == original
    event = ComplaintEvent.objects.get(complaint=original, kind="merged_from")
    assert event.data == {
        "duplicate": twice.reference,
        "reason": "同一事项",
        "description": "电话再次投诉教练迟到。",
        "customer_request": "退课",
        "evidence": 0,
    }
    with override("en"):
        line = next(x for x in tell(original, [event]) if x.kind == "merged_from")
    assert line.details[1:] == [
        "What it said: 电话再次投诉教练迟到。",
        "The customer asked for: 退课",
    ]


def test_it_still_tells_a_merge_recorded_before_the_details_were_kept(cast):
    from amends.complaints.events import MergedFrom

    old = MergedFrom.load({"duplicate": "GYM1-20261101-0001", "reason": "同一事项"})
    assert old.description is None and old.evidence is None
    assert old.data() == {"duplicate": "GYM1-20261101-0001", "reason": "同一事项"}


@pytest.mark.parametrize("by", ["phone", "email"])
def test_it_matches_another_record_of_the_customer_by_blind_index(cast, by):
    """Two records of one customer (one kept from before the records were joined): the earlier
    complaint, on the other record, is found by the phone's or the email's blind index alone."""
    from amends.members.models import Customer

    contact = (
        {"phone": "13912345678", "email": ""}
        if by == "phone"
        else {
            "phone": "",
            "email": "li.na@example.com",
        }
    )
    earlier = first(cast, **contact)
    kept = earlier.customer
    twin = Customer.objects.create(
        company=kept.company,
        phone_index=kept.phone_index if by == "phone" else "",
        email_index=kept.email_index if by == "email" else "",
    )
    Complaint.objects.filter(pk=earlier.pk).update(customer=twin)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        again = received(cast, **contact)
    assert again.customer_id == kept.pk != twin.pk
    assert again.repeat_of == earlier and again.repeat_count == 1
