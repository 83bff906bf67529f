"""Setting or taking away a complaint's sensitive flags is a change of the complaint like any
other: it checks the caller's version, bumps it, and goes on the timeline with who and why."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from amends.complaints.integrity import verify_complaint
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.narrative import tell
from amends.conftest import local
from amends.core import clock
from amends.core.errors import PermissionDenied, StaleVersion
from amends.privacy import services


def _flag_events(c):
    return list(ComplaintEvent.objects.filter(complaint=c, kind="sensitive_flags").order_by("seq"))


def _fresh(c):
    return Complaint.objects.select_related("venue").get(pk=c.pk)


def test_setting_and_taking_away_a_flag_go_on_the_timeline_with_who_and_why(cast):
    with clock.travel(local(2026, 11, 20, 9, 30)):
        c = cast.receive(description="淋浴间地面太滑。")
    v = c.version  # as the front desk's page holds it (received, acknowledged, assigned)
    assert c.sensitive == []

    # The front desk flags it: the customer's son was with her.
    with clock.travel(local(2026, 11, 20, 10, 0)):
        flagged = services.complaint_set_sensitive(
            actor=cast.desk,
            complaint=c,
            kinds=["minor", "injury"],
            version=v,
            reason="客户说儿子也摔倒了",
        )
    assert flagged.sensitive == ["injury", "minor"] and flagged.version == v + 1
    (added,) = _flag_events(c)
    assert added.actor == cast.desk and added.at == local(2026, 11, 20, 10, 0)
    assert added.data == {
        "added": ["injury", "minor"],
        "removed": [],
        "reason": "客户说儿子也摔倒了",
    }

    # The manager's page was opened before the flag: taking one away with that version is stale.
    with clock.travel(local(2026, 11, 20, 11, 0)), pytest.raises(StaleVersion) as stale:
        services.complaint_set_sensitive(
            actor=cast.manager, complaint=c, kinds=["injury"], version=v, reason="孩子未受伤"
        )
    assert stale.value.http_status == 409 and stale.value.code == "stale_version"
    assert _fresh(c).sensitive == ["injury", "minor"] and len(_flag_events(c)) == 1

    # Reloaded, the manager takes "minor" away, saying why.
    with clock.travel(local(2026, 11, 20, 11, 5)):
        services.complaint_set_sensitive(
            actor=cast.manager, complaint=c, kinds=["injury"], version=v + 1, reason="孩子未受伤"
        )
    c = _fresh(c)
    assert c.sensitive == ["injury"] and c.version == v + 2
    removed = _flag_events(c)[-1]
    assert removed.actor == cast.manager and removed.at == local(2026, 11, 20, 11, 5)
    assert removed.data == {"added": [], "removed": ["minor"], "reason": "孩子未受伤"}

    # The same kinds again change nothing: no event, no new version.
    services.complaint_set_sensitive(
        actor=cast.manager, complaint=c, kinds=["injury"], version=v + 2
    )
    assert _fresh(c).version == v + 2 and len(_flag_events(c)) == 2

    # The timeline tells both steps, to staff only; the seal and chain still verify.
    events = list(ComplaintEvent.objects.filter(complaint=c).order_by("seq"))
    with override("en"):
        lines = [line for line in tell(c, events) if line.kind == "sensitive_flags"]
    assert [(line.title, line.details) for line in lines] == [
        ("Flagged as sensitive data: Injury, Minor", ["客户说儿子也摔倒了"]),
        ("Sensitive data flag taken away: Minor", ["孩子未受伤"]),
    ]
    with override("zh-hans"):
        told = [line.title for line in tell(c, events) if line.kind == "sensitive_flags"]
    assert told[1] != "Sensitive data flag taken away: Minor"  # translated
    assert not [line for line in tell(c, events, audience="customer") if "sensitive" in line.kind]
    assert verify_complaint(_fresh(c)) is None


def test_only_a_manager_takes_a_flag_away_and_a_refusal_changes_nothing(cast):
    with clock.travel(local(2026, 11, 20, 9, 30)):
        c = cast.receive(description="我的孩子在泳池边滑倒。")
    c = _fresh(c)
    before = (c.sensitive, c.version)
    assert "minor" in c.sensitive  # flagged at intake, from the text
    with pytest.raises(PermissionDenied):
        services.complaint_set_sensitive(
            actor=cast.desk, complaint=c, kinds=[], version=c.version, reason="看错了"
        )
    assert (_fresh(c).sensitive, _fresh(c).version) == before and not _flag_events(c)
