"""The event catalogue: every kind declared once with its payload, visibility and renderer; one
writer; the timeline told from the payloads, to staff and to the customer, in both languages."""

import dataclasses
import io
import re
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from django.db import transaction
from django.utils.translation import gettext, override

from amends.complaints import services
from amends.complaints.events import (
    EVENTS,
    EventKind,
    Note,
    Payload,
    SensitiveFlags,
    Transition,
    record,
)
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.narrative import tell
from amends.complaints.services.gate import gate, lock, save
from amends.complaints.tests.stories import act, drive, received
from amends.complaints.tests.test_evidence import png_bytes
from amends.complaints.tick import tick
from amends.complaints.timeline import normalise
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock
from amends.core.principals import ApiScope, Principal, PrincipalKind
from amends.orgs.services import venue_create
from amends.workflow.services import sla_install_defaults

S = State
STAFF = ("specialist2", "specialist", "desk", "manager", "director", "coach", "auditor")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def events_of(c):
    return list(ComplaintEvent.objects.filter(complaint=c).order_by("seq"))


def fresh(c):
    return Complaint.objects.select_related("venue").get(pk=c.pk)


def every_story(cast) -> list[Complaint]:
    """Complaints that between them take every step amends records."""
    with clock.travel(local(2026, 11, 20, 10, 0)):
        closed = drive(cast, S.CLOSED)
        services.survey_answer(token=closed.survey.token, satisfaction=4, nps=9, comment="处理及时")
        rich = drive(
            cast, S.INVESTIGATING, severity="urgent", category=cast.category("facility_equipment")
        )
        services.complaint_add_note(complaint=rich, actor=cast.specialist, text="已查看监控")
        services.complaint_add_note(complaint=rich, actor=cast.specialist, text="已回电", call=True)
        act("reply", rich, cast.specialist, text="我们正在检查跑步机，明天答复您。")
        customer = services.customer_link_principal(
            reference=rich.reference, token=services.customer_link_token(rich)
        )
        act("message", rich, customer, text="好的，请尽快。", via="web")
        services.interview_record(
            complaint=rich,
            actor=cast.specialist,
            interviewee="张教练",
            interviewee_role="staff",
            summary="承认迟到",
        )
        services.evidence_add(
            complaint=rich,
            actor=cast.specialist,
            name="现场.png",
            stream=io.BytesIO(png_bytes()),
            size=len(png_bytes()),
        )
        services.complaint_reveal_contact(complaint=rich, actor=cast.manager)
        services.consequence_record(
            complaint=rich, actor=cast.manager, staff=cast.coach, kind="warning", note="书面警告"
        )
        rich = services.complaint_extend_deadline(
            complaint=rich,
            actor=cast.manager,
            until=fresh(rich).resolve_due + timedelta(days=3),
            reason="需要厂家检测设备",
        )
        services.complaint_escalate(complaint=rich, actor=cast.specialist, reason="会员要求见经理")
        services.complaint_set_legal_hold(
            complaint=rich, actor=cast.auditor, hold=True, reason="诉讼中"
        )
        # Sensitive flags are set by a layer above (privacy's `complaint_set_sensitive`): the
        # event it records, written here as it does.
        with transaction.atomic():
            flagged = lock(rich)
            flagged.sensitive = sorted({*(flagged.sensitive or []), "health"})
            save(flagged)
            record(
                flagged,
                cast.manager,
                SensitiveFlags(added=["health"], removed=[], reason="心脏病史"),
            )
        duplicate = received(cast, channel="phone")
        services.complaint_merge(
            duplicate=duplicate, into=rich, actor=cast.specialist, reason="同一事项"
        )
        rejected = drive(cast, S.APPROVAL_PENDING)
        act(
            "reject",
            rejected,
            cast.manager,
            proposal=rejected.remedies.get().pk,
            comment="金额过高",
        )
        revisited = drive(cast, S.FEEDBACK_GIVEN)
        visit = revisited.revisits.get()
        services.revisit_record(
            revisit=visit, actor=visit.assignee, reached=False, method="phone", notes="无人接听"
        )
        services.revisit_record(
            revisit=visit,
            actor=visit.assignee,
            reached=True,
            satisfied=True,
            method="phone",
            new_issue="淋浴间没有热水。",
        )
        # A venue that closes on feedback revisits after closure: the state stays closed.
        cast.gym.revisit_policy = "after_closure"
        cast.gym.save()
        after_closure = act("close", drive(cast, S.FEEDBACK_GIVEN), cast.specialist)
        visit = after_closure.revisits.get()
        services.revisit_record(
            revisit=visit, actor=visit.assignee, reached=True, satisfied=True, method="phone"
        )
        cast.gym.revisit_policy = ""
        cast.gym.save()
        reminded = cast.receive(category="facility_equipment", severity="urgent")
        # The same customer about the same again: a possible duplicate, then judged not one.
        twice = cast.receive(category="facility_equipment")
        services.complaint_dismiss_duplicate(complaint=twice, actor=cast.manager, reason="另一台")
        reclassified = services.complaint_classify(
            complaint=received(cast), actor=cast.specialist, severity="urgent"
        )
        # Two other customers about the same treadmill: the same cause again at the venue.
        treadmill = {"category": "facility_equipment", "location": "3号跑步机", "email": ""}
        cast.receive(phone="13600136000", **treadmill)
        recurring = cast.receive(phone="13500135000", **treadmill)
    tick(now=local(2026, 11, 20, 13, 0))
    tick(now=local(2029, 11, 21, 12, 0))  # the closed complaints' retention has passed
    scenic = venue_create(company=cast.company, code="TOUR1", name="西湖景区", kind="tourism")
    sla_install_defaults(venue=scenic)
    with clock.travel(local(2027, 3, 1, 10, 0)):  # a year the holiday calendar does not know
        unknown_year = cast.receive(actor=cast.director, venue=scenic)
    return [
        closed,
        rich,
        duplicate,
        rejected,
        revisited,
        after_closure,
        reminded,
        reclassified,
        twice,
        unknown_year,
        recurring,
    ]


# --- the catalogue ----------------------------------------------------------------------------


def test_it_declares_a_payload_and_a_renderer_for_every_kind():
    assert set(EVENTS) == set(EventKind)
    payloads = [spec.payload for spec in EVENTS.values()]
    assert len(set(payloads)) == len(payloads)  # one kind per payload class: record() finds it
    for kind, spec in EVENTS.items():
        assert spec.kind == kind and str(kind.label)
        assert issubclass(spec.payload, Payload) and dataclasses.is_dataclass(spec.payload)
        assert spec.payload.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert callable(spec.render)


def test_it_writes_only_kinds_of_the_catalogue_with_the_keys_stored_before(cast):
    complaints = every_story(cast)
    stored = ComplaintEvent.objects.filter(complaint__in=complaints)
    assert set(stored.values_list("kind", flat=True)) == set(EventKind)
    for event in stored:
        payload = EVENTS[EventKind(event.kind)].payload.load(event.data)
        # A purge's redaction adds its seal beside the keys (complaints.redaction).
        kept = {k: v for k, v in event.data.items() if k != "_redaction"}
        assert normalise(payload.data()) == kept, event.kind


def test_it_writes_every_event_through_the_catalogue():
    root = Path(__file__).resolve().parents[2]
    allowed = {"complaints/timeline.py", "complaints/events.py", "complaints/integrity.py"}
    writers = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "event_append(" in path.read_text(encoding="utf-8")
    }
    assert writers <= allowed


def test_it_refuses_a_payload_with_a_wrong_field(cast):
    with pytest.raises(TypeError):
        Note(txt="已回电")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Note(text=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Transition(action="assign", from_="received", to="assigned", assignee="desk")  # type: ignore[arg-type]
    c = received(cast)
    with transaction.atomic(), pytest.raises(TypeError):
        gate(lock(c), to=S.ACKNOWLEDGED, actor=cast.desk, data={"assigne": cast.desk.pk})
    assert [e.kind for e in events_of(c)] == ["received"]


# --- the timeline told --------------------------------------------------------------------------


def _numbers_left(line, c, cast) -> str:
    """The digits a line shows besides times, money, names and the reference: none expected."""
    text = " ".join([line.title, line.who, *line.details])
    for name in STAFF:
        text = text.replace(str(getattr(cast, name)), "")
    text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "", text)
    text = re.sub(r"¥[\d.]+", "", text).replace(c.reference, "")
    return "".join(re.findall(r"\d", text))


@pytest.mark.parametrize(
    ("lang", "titles"),
    [
        (
            "en",
            [
                "Received via Front desk",
                "Acknowledged to the customer",
                "Assigned to Specialist (Customer service)",
                "Remedy approved (¥500.00)",
                "Closed",
            ],
        ),
        (
            "zh-hans",
            [
                "已受理（渠道：前台）",
                "已向客户确认受理",
                "已分派给Specialist（客服部）",
                "处理方案已批准（¥500.00）",
                "已结案",
            ],
        ),
    ],
)
def test_it_tells_a_whole_valid_path_once_per_step(cast, lang, titles, django_assert_num_queries):
    c = fresh(drive(cast, S.CLOSED))
    events = events_of(c)
    with override(lang), django_assert_num_queries(1):  # every staff name in one query
        lines = tell(c, events)
    # Every event is told once; the transitions that a proposal or a decision led to are told
    # on the line of that proposal or decision (the step), not again on a line of their own,
    # and so is the hand-off that accepting the complaint completed.
    folded = {
        e.seq
        for before, e in pairwise(events)
        if (
            e.kind == "transition"
            and (before.kind, e.data["action"])
            in {("remedy_proposed", "propose_remedy"), ("remedy_approved", "approve")}
        )
        or (e.kind == "handoff_accepted" and before.data.get("action") == "accept")
    }
    assert len(folded) == 3
    assert [line.seq for line in lines] == [e.seq for e in events if e.seq not in folded]
    approved = next(line for line in lines if line.kind == "remedy_approved")
    assert approved.details.count("同意") == 1
    told = [(line.title, *line.details) for line in lines]
    assert len(set(told)) == len(told)
    for title in titles:
        assert title in [line.title for line in lines]
    assert all(_numbers_left(line, c, cast) == "" for line in lines)
    team = {"en": ("Front office", "Customer service"), "zh-hans": ("前台", "客服部")}[lang]
    with override(lang):
        desk, specialist = (
            gettext("%(name)s (%(team)s)") % {"name": name, "team": t}
            for name, t in zip(("Desk", "Specialist"), team, strict=True)
        )
    assert {line.who for line in lines} >= {desk, specialist}


def test_it_tells_the_customer_only_what_is_theirs(cast):
    c = drive(cast, S.INVESTIGATING)
    services.complaint_add_note(complaint=c, actor=cast.specialist, text="客户情绪激动")
    services.interview_record(
        complaint=c,
        actor=cast.specialist,
        interviewee="张教练",
        interviewee_role="staff",
        summary="承认迟到",
    )
    services.complaint_escalate(complaint=c, actor=cast.specialist, reason="会员要求见经理")
    c = fresh(drive(cast, S.CLOSED, complaint=c))
    with override("en"):
        lines = tell(c, events_of(c), audience="customer")
        staff_lines = tell(c, events_of(c))
    kinds = {line.kind for line in lines}
    assert kinds == {"received", "transition"}
    assert {"note", "interview", "escalated", "remedy_approved"} <= {x.kind for x in staff_lines}
    shown = " ".join(" ".join([x.title, x.who, *x.details]) for x in lines)
    assert not any(str(getattr(cast, name)) in shown for name in STAFF)
    assert not any(word in shown for word in ("客户情绪激动", "张教练", "会员要求见经理", "同意"))
    assert [x.title for x in lines if x.kind == "transition"] == [
        "Acknowledged",
        "Investigating",
        "Remedy approved",
        "Customer accepted",
        "Remedy carried out",
        "Feedback given",
        "Closed",
    ]
    assert {x.who for x in lines} == {"Customer service"}
    feedback = next(x for x in lines if x.title == "Feedback given")
    assert feedback.details == ["已退款并向您致歉。"]  # the message the customer was sent


@pytest.mark.parametrize(
    ("lang", "customer", "api_key", "system", "tick_"),
    [
        ("en", "The customer", "API key 'mini-program'", "The system", "The system (tick)"),
        ("zh-hans", "客户", "API 密钥“mini-program”", "系统", "系统（tick）"),
    ],
)
def test_it_says_who_acted_for_every_principal(cast, lang, customer, api_key, system, tick_):
    c = received(cast)
    principals = [
        Principal.customer(customer_id=c.customer_id, company_id=cast.company.pk),
        Principal(
            kind=PrincipalKind.API_KEY,
            ref=1,
            company_id=cast.company.pk,
            name="mini-program",
            scopes=frozenset({ApiScope.WRITE.value}),
        ),
        None,
        Principal.system("tick"),
    ]
    with transaction.atomic():
        locked = lock(c)
        for principal in principals:
            record(locked, principal, Note(text="已收到"))
    with override(lang):
        lines = tell(fresh(c), events_of(c))
    assert [line.who for line in lines[-4:]] == [customer, api_key, system, tick_]
    assert lines[0].who == {"en": "Desk (Front office)", "zh-hans": "Desk（前台）"}[lang]
