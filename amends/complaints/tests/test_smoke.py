from amends.complaints import services
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock


def test_it_walks_a_treadmill_injury_to_closure(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = cast.receive(category="facility_equipment", severity="urgent")
    assert c.state == State.ASSIGNED
    assert c.assignee == cast.maintenance
    assert c.owner == cast.desk
    with clock.travel(local(2026, 11, 20, 11, 0)):
        c = services.complaint_accept(complaint=c, actor=cast.maintenance)
        assert c.owner == cast.maintenance
        c = services.complaint_record_investigation(
            complaint=c,
            actor=cast.maintenance,
            report="皮带老化",
            validity="valid",
            responsibility="department",
            cause="objective",
        )
        services.remedy_propose(
            complaint=c, actor=cast.maintenance, kind="apology", description="当面道歉", amount=0
        )
        c = services.remedy_submit(complaint=c, actor=cast.maintenance)
        assert c.state == State.APPROVED
        c = services.remedy_record_consent(
            complaint=c, actor=cast.desk, accepted=True, method="signature"
        )
        c = services.remedy_execute(complaint=c, actor=cast.maintenance, note="已更换皮带")
        c = services.complaint_give_feedback(
            complaint=c, actor=cast.maintenance, message="已更换皮带，抱歉"
        )
    revisit = c.revisits.get()
    assert revisit.assignee in (cast.specialist, cast.specialist2)
    with clock.travel(local(2026, 11, 22, 11, 0)):
        services.revisit_record(
            revisit=revisit, actor=revisit.assignee, reached=True, satisfied=True, method="phone"
        )
        c = services.complaint_close(complaint=c, actor=revisit.assignee)
    assert c.state == State.CLOSED
    assert c.closed_at == local(2026, 11, 22, 11, 0)
    assert c.survey.invited_at == local(2026, 11, 22, 11, 0)
