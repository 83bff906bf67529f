"""The same matter told twice in other words, and the same cause coming back at a venue (SPEC §2),
on concrete dates."""

from django.utils.translation import override

from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.narrative import tell
from amends.complaints.tests.stories import act, drive, received
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock

S = State
BELT = "3号跑步机的皮带突然打滑，我差点摔倒，请尽快修理。"
BELT_AGAIN = "3号跑步机皮带打滑，我差点摔倒，到现在还没修理。"  # the same matter, other words
TREADMILL = {"category": "facility_equipment", "location": "3号跑步机"}


def kinds(c: Complaint) -> list[str]:
    return list(ComplaintEvent.objects.filter(complaint=c).values_list("kind", flat=True))


def at(cast, moment, **fields) -> Complaint:
    """A complaint taken at the gym's front desk at `moment` (the story's default customer)."""
    with clock.travel(moment):
        return received(cast, **fields)


def other_customer(cast, moment, phone: str, **fields) -> Complaint:
    """Another customer's complaint at the gym at `moment`."""
    fields = {"customer_name": "陈刚", "phone": phone, "severity": "general", **fields}
    if isinstance(fields.get("category"), str):
        fields["category"] = cast.category(fields["category"])
    with clock.travel(moment):
        return received(cast, **fields)


# --- the same matter in other words -------------------------------------------------------------


def test_it_flags_the_same_matter_as_a_duplicate_though_the_category_differs(cast):
    first = at(cast, local(2026, 12, 1, 10, 0), description=BELT)
    # The next morning the customer calls; the desk files it under another category.
    again = at(
        cast,
        local(2026, 12, 2, 9, 0),
        channel="phone",
        description=BELT_AGAIN,
        category=cast.category("facility_equipment"),
    )
    assert again.possible_duplicate_of == first
    assert ComplaintEvent.objects.get(complaint=again, kind="possible_duplicate").data == {
        "of": first.reference,
        "window_hours": 72,
    }
    # Different categories: not a repeat of the customer (that is the same category).
    assert again.repeat_count == 0 and again.severity == "general"


def test_it_flags_the_same_matter_before_anyone_chose_a_category(cast):
    first = at(cast, local(2026, 12, 1, 10, 0), description=BELT)
    again = at(cast, local(2026, 12, 1, 18, 0), description=BELT_AGAIN, category=None, severity="")
    assert again.category_id is None
    assert again.possible_duplicate_of == first
    assert "possible_duplicate" in kinds(again)


def test_it_does_not_flag_another_matter_of_the_same_customer(cast):
    at(cast, local(2026, 12, 1, 10, 0), description=BELT)
    other = at(
        cast,
        local(2026, 12, 1, 18, 0),
        description="前台办卡时一直催我，态度很差。",
        category=None,
        severity="",
    )
    assert other.possible_duplicate_of is None and "possible_duplicate" not in kinds(other)


def test_it_does_not_flag_the_same_words_of_another_customer_or_after_72_hours(cast):
    at(cast, local(2026, 12, 1, 10, 0), description=BELT)
    stranger = other_customer(
        cast, local(2026, 12, 1, 12, 0), "13600136000", description=BELT, category=None
    )
    assert stranger.possible_duplicate_of is None
    late = at(cast, local(2026, 12, 4, 11, 0), description=BELT_AGAIN, category=None)  # 73 h
    assert late.possible_duplicate_of is None


def test_it_does_not_flag_a_closed_complaint_as_the_same_matter(cast):
    with clock.travel(local(2026, 12, 1, 10, 0)):
        drive(cast, S.CLOSED, description=BELT)
    again = at(cast, local(2026, 12, 2, 10, 0), description=BELT_AGAIN, category=None)
    assert again.possible_duplicate_of is None


def test_it_does_not_flag_again_what_someone_said_is_not_a_duplicate(cast):
    first = at(cast, local(2026, 12, 1, 10, 0), description=BELT)
    again = at(cast, local(2026, 12, 1, 18, 0), description=BELT_AGAIN, category=None, severity="")
    assert again.possible_duplicate_of == first
    with clock.travel(local(2026, 12, 2, 9, 0)):
        again = act("not_duplicate", again, cast.specialist, reason="另一台跑步机")
        again = act("classify", again, cast.specialist, category=cast.category("service_quality"))
    again.refresh_from_db()
    assert again.possible_duplicate_of is None
    assert kinds(again).count("possible_duplicate") == 1
    # Now the same customer's earlier complaint about the same category: a repeat.
    assert again.repeat_of == first and again.severity == "important"


def test_it_tells_a_duplicate_flagged_at_intake_once_when_the_category_is_set(cast):
    first = at(cast, local(2026, 12, 1, 10, 0), description=BELT)
    again = at(cast, local(2026, 12, 1, 18, 0), description=BELT_AGAIN, category=None, severity="")
    with clock.travel(local(2026, 12, 1, 19, 0)):
        again = act("classify", again, cast.desk, category=cast.category("facility_equipment"))
    again.refresh_from_db()
    assert again.possible_duplicate_of == first
    assert kinds(again).count("possible_duplicate") == 1
    assert again.repeat_count == 0  # the flagged complaint is not also a repeat


# --- the same cause coming back -----------------------------------------------------------------


def test_it_raises_the_same_cause_from_another_customer_to_important(cast):
    first = other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", **TREADMILL)
    later = other_customer(cast, local(2026, 11, 20, 10, 0), "13500135000", **TREADMILL)
    assert later.customer_id != first.customer_id
    assert later.severity == "important"  # the desk said general
    assert later.respond_due == local(2026, 11, 20, 22, 0)  # important: 12 h
    assert later.repeat_of is None and later.repeat_count == 0  # not the same customer
    event = ComplaintEvent.objects.get(complaint=later, kind="recurring_cause")
    assert event.data == {
        "earlier": [first.reference],
        "window_days": 30,
        "subject_kind": "place",
        "subject": "3号跑步机",
        "subject_staff": None,
        "severity_before": "general",
        "severity_after": "important",
    }
    with override("en"):
        line = next(x for x in tell(later, [event]) if x.kind == "recurring_cause")
    assert line.title == "The same cause again at this venue: “3号跑步机”, 1 earlier in 30 days"
    assert line.details == [f"Earlier: {first.reference}", "Severity raised: General → Important"]
    with override("zh-hans"):
        line = next(x for x in tell(later, [event]) if x.kind == "recurring_cause")
    assert "3号跑步机" in line.title and line.title != line.title.encode("ascii", "ignore").decode()


def test_it_lists_every_earlier_complaint_of_the_cause_newest_first(cast):
    one = other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", **TREADMILL)
    two = other_customer(cast, local(2026, 11, 10, 10, 0), "13500135000", **TREADMILL)
    three = other_customer(cast, local(2026, 11, 20, 10, 0), "13700137000", **TREADMILL)
    event = ComplaintEvent.objects.get(complaint=three, kind="recurring_cause")
    assert event.data["earlier"] == [two.reference, one.reference]


def test_it_keeps_an_urgent_complaint_urgent_when_its_cause_recurs(cast):
    other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", **TREADMILL)
    later = other_customer(
        cast, local(2026, 11, 20, 10, 0), "13500135000", severity="urgent", **TREADMILL
    )
    assert later.severity == "urgent"
    event = ComplaintEvent.objects.get(complaint=later, kind="recurring_cause")
    assert event.data["severity_before"] == event.data["severity_after"] == "urgent"


def test_it_matches_the_subject_as_told_whatever_its_case_and_spaces(cast):
    first = other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", subject_text="Locker 12")
    later = other_customer(
        cast, local(2026, 11, 5, 10, 0), "13500135000", subject_text="  locker 12 "
    )
    event = ComplaintEvent.objects.get(complaint=later, kind="recurring_cause")
    assert event.data["earlier"] == [first.reference] and event.data["subject_kind"] == "text"
    assert later.severity == "important"


def test_it_matches_the_same_member_of_staff_and_names_them(cast):
    first = other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", subject_staff=cast.coach)
    later = other_customer(cast, local(2026, 11, 9, 10, 0), "13500135000", subject_staff=cast.coach)
    event = ComplaintEvent.objects.get(complaint=later, kind="recurring_cause")
    assert event.data["earlier"] == [first.reference]
    assert event.data["subject_staff"] == cast.coach.pk and event.data["subject"] == ""
    with override("en"):
        line = next(x for x in tell(later, [event]) if x.kind == "recurring_cause")
    assert cast.coach.display_name in line.title


def test_it_is_no_recurring_cause_on_day_31_elsewhere_about_another_thing_or_a_department(cast):
    other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", **TREADMILL)
    day_31 = other_customer(cast, local(2026, 12, 3, 10, 0), "13500135000", **TREADMILL)
    assert "recurring_cause" not in kinds(day_31) and day_31.severity == "general"
    another_place = other_customer(
        cast,
        local(2026, 11, 4, 10, 0),
        "13700137000",
        category="facility_equipment",
        location="5号跑步机",
    )
    another_category = other_customer(
        cast,
        local(2026, 11, 4, 11, 0),
        "13700137001",
        category="hygiene_environment",
        location="3号跑步机",
    )
    front = cast.dept("front_office")
    other_customer(cast, local(2026, 11, 4, 12, 0), "13700137002", subject_department=front)
    department = other_customer(
        cast, local(2026, 11, 5, 12, 0), "13700137003", subject_department=front
    )
    with clock.travel(local(2026, 11, 6, 10, 0)):
        elsewhere = cast.receive(
            actor=cast.outsider, venue=cast.gym2, phone="13700137004", **TREADMILL
        )
    for c in (another_place, another_category, department, elsewhere):
        assert "recurring_cause" not in kinds(c), c.reference
    assert another_place.severity == "general" and department.severity == "general"


def test_it_does_not_count_an_earlier_complaint_found_invalid(cast):
    with clock.travel(local(2026, 11, 2, 10, 0)):
        drive(
            cast,
            S.INVALID,
            phone="13600136000",
            **{**TREADMILL, "category": cast.category("facility_equipment")},
        )
    later = other_customer(cast, local(2026, 11, 9, 10, 0), "13500135000", **TREADMILL)
    assert "recurring_cause" not in kinds(later) and later.severity == "general"


def test_it_tells_the_same_customer_again_as_a_repeat_not_as_a_recurring_cause(cast):
    earlier = other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", **TREADMILL)
    again = other_customer(cast, local(2026, 11, 20, 10, 0), "13600136000", **TREADMILL)
    assert again.repeat_of == earlier and again.severity == "important"
    assert "repeat" in kinds(again) and "recurring_cause" not in kinds(again)


def test_it_tells_the_raise_once_when_both_a_repeat_and_the_cause_recur(cast):
    mine = other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", **TREADMILL)
    theirs = other_customer(cast, local(2026, 11, 3, 10, 0), "13500135000", **TREADMILL)
    again = other_customer(cast, local(2026, 11, 20, 10, 0), "13600136000", **TREADMILL)
    repeat = ComplaintEvent.objects.get(complaint=again, kind="repeat")
    cause = ComplaintEvent.objects.get(complaint=again, kind="recurring_cause")
    assert repeat.data["earlier"] == [mine.reference]
    assert repeat.data["severity_after"] == "important"
    assert cause.data["earlier"] == [theirs.reference]
    assert cause.data["severity_before"] == cause.data["severity_after"] == "general"


def test_it_finds_the_recurring_cause_when_the_category_is_set_later(cast):
    first = other_customer(cast, local(2026, 11, 2, 10, 0), "13600136000", **TREADMILL)
    later = other_customer(
        cast,
        local(2026, 11, 20, 10, 0),
        "13500135000",
        category=None,
        severity="",
        location="3号跑步机",
    )
    assert "recurring_cause" not in kinds(later)
    with clock.travel(local(2026, 11, 20, 10, 30)):
        later = act("classify", later, cast.desk, category=cast.category("facility_equipment"))
    later.refresh_from_db()
    assert later.severity == "important"
    event = ComplaintEvent.objects.get(complaint=later, kind="recurring_cause")
    assert event.data["earlier"] == [first.reference]
    # The classification tells the raise (and moves the clocks); the finding does not.
    assert event.data["severity_before"] == event.data["severity_after"] == ""
    assert ComplaintEvent.objects.filter(complaint=later, kind="fields_changed").last().data == {
        "severity": {"before": "", "after": "important"}
    }
