"""The same intake form sent twice records one complaint: the desk pressed "record" again after
the answer was lost, or two requests carried the same form at once."""

from __future__ import annotations

import pytest

from amends.complaints import services
from amends.complaints.models import Complaint, IntakeSubmission
from amends.complaints.services import intake as intake_module
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.errors import InvalidInput

TOKEN = "5f0c1e2d3b4a49c8a7e6d5c4b3a2f1e0"


def test_the_same_form_sent_again_gives_the_complaint_it_recorded(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        first = cast.receive(submission=TOKEN)
    with clock.travel(local(2026, 11, 20, 10, 1)):
        again = cast.receive(submission=TOKEN, description="另一段文字，同一张表单。")
    assert again.pk == first.pk and again.reference == first.reference
    assert Complaint.objects.count() == 1
    assert IntakeSubmission.objects.get().complaint_id == first.pk


def test_another_form_or_another_person_records_another_complaint(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        first = cast.receive(submission=TOKEN)
        other_form = cast.receive(submission="0" * 32)
        other_person = cast.receive(actor=cast.manager, submission=TOKEN)
        no_token = [cast.receive(), cast.receive()]
    assert len({first.pk, other_form.pk, other_person.pk, *(c.pk for c in no_token)}) == 5


def test_a_token_that_no_form_makes_is_refused(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)), pytest.raises(InvalidInput) as refused:
        cast.receive(submission="x' OR 1=1 --")
    assert refused.value.code == "bad_submission"
    assert Complaint.objects.count() == 0


def test_two_requests_with_one_form_at_once_record_one(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request passed the look-up before the first committed: its insert of the key
    fails, its complaint is rolled back, and it answers with the first one's."""
    with clock.travel(local(2026, 11, 20, 10, 0)):
        first = cast.receive(submission=TOKEN)
    looked: list[str] = []
    real = intake_module._submitted

    def not_yet(key: str) -> Complaint | None:
        looked.append(key)
        return None if len(looked) == 1 else real(key)  # the first look-up saw nothing yet

    monkeypatch.setattr(intake_module, "_submitted", not_yet)
    with clock.travel(local(2026, 11, 20, 10, 1)):
        second = cast.receive(submission=TOKEN)
    assert second.pk == first.pk and len(looked) == 2
    assert Complaint.objects.count() == 1


def test_the_service_keeps_the_key_with_who_sent_it(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        services.complaint_receive(
            actor=cast.desk,
            venue=cast.gym,
            intake=services.Intake(
                channel="front_desk",
                description="空调太冷。",
                phone="13900000001",
                submission=TOKEN,
            ),
        )
    assert IntakeSubmission.objects.get().key == f"staff:{cast.desk.pk}:{TOKEN}"
