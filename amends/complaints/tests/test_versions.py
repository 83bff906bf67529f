"""Every action that changes a complaint or adds to it refuses a stale version (409) and changes
nothing, whatever face calls it: the catalogue for the console, the API and the demo, and the
services for anyone who calls them directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amends.complaints import services
from amends.complaints.catalogue import CATALOGUE, perform
from amends.complaints.models import Complaint, Consequence, Evidence, Interview, RemedyProposal
from amends.complaints.tests.stories import act, drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast
from amends.core import clock
from amends.core.errors import InvalidInput, StaleVersion

S = State
pytestmark = pytest.mark.django_db

Setup = Callable[[Cast], tuple[Complaint, Any, dict[str, Any]]]


def _investigating(cast: Cast, **finding: str) -> Complaint:
    c = drive(cast, S.INVESTIGATING)
    if finding:
        act("investigation", c, cast.specialist, report="教练确实迟到。", **finding)
    return Complaint.objects.get(pk=c.pk)


def _pending(cast: Cast) -> Complaint:
    return drive(cast, S.APPROVAL_PENDING)


def _proposal(c: Complaint) -> int:
    return RemedyProposal.objects.get(complaint=c, status="pending").pk


def _later(c: Complaint) -> str:
    due = (c.resolve_due or clock.now()) + timedelta(days=30)
    return due.astimezone(ZoneInfo(c.venue.timezone)).strftime("%Y-%m-%dT%H:%M")


def _rejected(cast: Cast) -> Complaint:
    c = _pending(cast)
    return act("reject", c, cast.manager, proposal=_proposal(c), comment="金额太高")


def _revisit(cast: Cast) -> tuple[Complaint, Any, dict[str, Any]]:
    c = drive(cast, S.FEEDBACK_GIVEN)
    revisitor = c.revisits.get(done_at__isnull=True).assignee
    return c, revisitor, {"reached": "yes", "satisfied": "yes", "method": "phone"}


def _merge(cast: Cast) -> tuple[Complaint, Any, dict[str, Any]]:
    keep = drive(cast, S.INVESTIGATING)
    duplicate = drive(cast, S.INVESTIGATING)
    return duplicate, cast.specialist, {"into": keep.reference, "reason": "同一件事"}


def _customer(c: Complaint, data: dict[str, Any]) -> tuple[Complaint, Any, dict[str, Any]]:
    """The complainant, proved by the complaint's own link."""
    token = services.customer_link_token(c)
    return c, services.customer_link_principal(reference=c.reference, token=token), data


def _twice(cast: Cast) -> Complaint:
    received(cast)
    return received(cast, channel="phone")  # a possible duplicate of the first


# For each catalogued action: a complaint where it is possible, someone who may take it, and
# valid input — so that the version is the only thing wrong when it is stale.
SETUPS: dict[str, Setup] = {
    "acknowledge": lambda cast: (received(cast), cast.desk, {}),
    "accept": lambda cast: (drive(cast, S.ASSIGNED), cast.specialist, {}),
    "assign": lambda cast: (
        drive(cast, S.ACKNOWLEDGED),
        cast.desk,
        {"assignee": cast.specialist.pk},
    ),
    "classify": lambda cast: (_investigating(cast), cast.specialist, {"severity": "important"}),
    "note": lambda cast: (_investigating(cast), cast.specialist, {"text": "会员来电催促。"}),
    "evidence": lambda cast: (_investigating(cast), cast.specialist, {}),
    "reply": lambda cast: (_investigating(cast), cast.specialist, {"text": "明天答复您。"}),
    "message": lambda cast: _customer(_investigating(cast), {"text": "请尽快处理。"}),
    "investigation": lambda cast: (
        _investigating(cast),
        cast.specialist,
        {"validity": "valid", "report": "监控已调取。"},
    ),
    "interview": lambda cast: (
        _investigating(cast),
        cast.specialist,
        {"interviewee": "王教练", "interviewee_role": Interview.Role.STAFF, "summary": "承认迟到"},
    ),
    "mark_invalid": lambda cast: (
        _investigating(cast, validity="invalid", responsibility="customer"),
        cast.specialist,
        {"reason": "操作不当"},
    ),
    "explain": lambda cast: (drive(cast, S.INVALID), cast.specialist, {"message": "已讲解。"}),
    "propose_remedy": lambda cast: (
        _investigating(cast, validity="valid", responsibility="staff"),
        cast.specialist,
        {"kind": "refund", "description": "退一节课", "amount": "100"},
    ),
    "submit_remedy": lambda cast: (drive(cast, S.REMEDY_PROPOSED), cast.specialist, {}),
    "approve": lambda cast: (c := _pending(cast), cast.manager, {"proposal": _proposal(c)}),
    "reject": lambda cast: (
        c := _pending(cast),
        cast.manager,
        {"proposal": _proposal(c), "comment": "金额太高"},
    ),
    "consent": lambda cast: (
        drive(cast, S.APPROVED),
        cast.desk,
        {"accepted": "yes", "method": "signature"},
    ),
    "execute": lambda cast: (
        drive(cast, S.CUSTOMER_ACCEPTED),
        cast.specialist,
        {"note": "已退款"},
    ),
    "feedback": lambda cast: (
        drive(cast, S.REMEDY_EXECUTED),
        cast.specialist,
        {"message": "已退款。"},
    ),
    "revisit": _revisit,
    "close": lambda cast: (drive(cast, S.REVISIT_DONE), cast.specialist, {}),
    "reopen": lambda cast: (drive(cast, S.CLOSED), cast.specialist, {"reason": "仍不满意"}),
    "back_to_investigation": lambda cast: (_rejected(cast), cast.specialist, {"reason": "再查"}),
    "escalate": lambda cast: (_investigating(cast), cast.specialist, {"reason": "客户情绪激动"}),
    "extend_deadline": lambda cast: (
        c := _investigating(cast),
        cast.specialist,
        {"until": _later(c), "reason": "等待厂家检测"},
    ),
    "merge": _merge,
    "follow_up": lambda cast: (
        drive(cast, S.CLOSED),
        cast.desk,
        {"description": "客户再次来电投诉。", "channel": "phone"},
    ),
    "not_duplicate": lambda cast: (_twice(cast), cast.specialist, {}),
    "decline": lambda cast: (_investigating(cast), cast.manager, {"reason": "辱骂员工"}),
    "consequence": lambda cast: (
        _investigating(cast),
        cast.manager,
        {"staff": cast.coach.pk, "kind": Consequence.Kind.TRAINING},
    ),
}


def test_every_catalogued_action_has_a_stale_version_story() -> None:
    assert set(SETUPS) == set(CATALOGUE)
    assert all(spec.form.needs_version for spec in CATALOGUE.values())


def _files(name: str) -> dict[str, Any] | None:
    if name != "evidence":
        return None
    return {"file": SimpleUploadedFile("receipt.txt", "收据：¥300".encode(), "text/plain")}


def _footprint(c: Complaint) -> tuple[int, int, str, int, int]:
    fresh = Complaint.objects.get(pk=c.pk)
    return (
        fresh.version,
        fresh.events.count(),
        fresh.state,
        Evidence.objects.filter(complaint=c).count(),
        Complaint.objects.count(),
    )


@pytest.mark.parametrize("name", list(SETUPS))
def test_it_refuses_a_stale_version_and_changes_nothing(
    name: str, cast: Cast, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    complaint, actor, data = SETUPS[name](cast)
    current = Complaint.objects.get(pk=complaint.pk)
    before = _footprint(current)
    with pytest.raises(StaleVersion) as stale:
        perform(
            name,
            complaint=current,
            actor=actor,
            data={**data, "version": current.version - 1},
            files=_files(name),
        )
    assert stale.value.http_status == 409
    assert _footprint(current) == before
    # The same input with the current version goes through: only the version was wrong.
    perform(
        name,
        complaint=current,
        actor=actor,
        data={**data, "version": current.version},
        files=_files(name),
    )
    assert Complaint.objects.get(pk=complaint.pk).version > current.version


# The services that used to ignore the version, called directly.


def _stale(c: Complaint) -> int:
    return Complaint.objects.get(pk=c.pk).version - 1


def test_the_services_refuse_a_stale_version_when_called_directly(
    cast: Cast, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    sp = cast.specialist
    c = _investigating(cast)
    calls: dict[str, Callable[[], Any]] = {
        "note": lambda: services.complaint_add_note(
            complaint=c, actor=sp, text="x", expected_version=_stale(c)
        ),
        "evidence": lambda: services.evidence_add(
            complaint=c,
            actor=sp,
            name="a.txt",
            stream=SimpleUploadedFile("a.txt", b"hello").file,
            size=5,
            expected_version=_stale(c),
        ),
        "interview": lambda: services.interview_record(
            complaint=c,
            actor=sp,
            interviewee="王教练",
            interviewee_role="staff",
            summary="x",
            expected_version=_stale(c),
        ),
        "consequence": lambda: services.consequence_record(
            complaint=c,
            actor=cast.manager,
            staff=cast.coach,
            kind="training",
            expected_version=_stale(c),
        ),
        "merge": lambda: services.complaint_merge(
            duplicate=c,
            into=received(cast),
            actor=sp,
            reason="重复",
            expected_version=_stale(c),
        ),
    }
    before = _footprint(c)
    for name, call in calls.items():
        with pytest.raises(StaleVersion):
            call()
        assert _footprint(c)[:4] == before[:4], name

    pending = _pending(cast)
    proposal = RemedyProposal.objects.get(pk=_proposal(pending))
    for decide in (services.remedy_approve, services.remedy_reject):
        with pytest.raises(StaleVersion):
            decide(proposal=proposal, actor=cast.manager, comment="x", expected_version=1)
    assert Complaint.objects.get(pk=pending.pk).state == S.APPROVAL_PENDING

    waiting = drive(cast, S.FEEDBACK_GIVEN)
    revisit = waiting.revisits.get(done_at__isnull=True)
    with pytest.raises(StaleVersion):
        services.revisit_record(
            revisit=revisit,
            actor=revisit.assignee,
            reached=True,
            method="phone",
            expected_version=_stale(waiting),
        )
    assert Complaint.objects.get(pk=waiting.pk).state == S.FEEDBACK_GIVEN


def test_an_action_without_a_version_is_refused(cast: Cast) -> None:
    c = _investigating(cast)
    with pytest.raises(InvalidInput) as refused:
        perform("note", complaint=c, actor=cast.specialist, data={"text": "没有版本号"})
    assert refused.value.code == "version_required"
    assert Complaint.objects.get(pk=c.pk).version == c.version


def test_fields_not_given_keep_their_values(cast: Cast) -> None:
    c = _investigating(cast, validity="valid", responsibility="staff", cause="subjective")
    act("investigation", c, cast.specialist, report="补充：监控显示教练迟到二十分钟。")
    after = Complaint.objects.get(pk=c.pk)
    assert (after.validity, after.responsibility, after.cause) == ("valid", "staff", "subjective")
    assert after.investigation_report == "补充：监控显示教练迟到二十分钟。"
