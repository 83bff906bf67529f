"""On the console's sensitive-data page the manager says why a flag is taken away, and the
timeline keeps it."""

from django.urls import reverse

from amends.complaints.models import ComplaintEvent
from amends.conftest import local
from amends.core import clock
from amends.privacy import services


def test_the_manager_takes_a_flag_away_and_the_timeline_says_why(client, cast):
    with clock.travel(local(2026, 11, 20, 9, 30)):
        c = cast.receive(description="淋浴间地面太滑。")
        c = services.complaint_set_sensitive(
            actor=cast.desk, complaint=c, kinds=["minor", "injury"], version=c.version
        )
    client.force_login(cast.manager)
    page = reverse("console:privacy_sensitive", args=[c.reference])

    with clock.travel(local(2026, 11, 20, 11, 5)):
        answer = client.post(
            page, {"kinds": ["injury"], "reason": "孩子未受伤，只是陪同", "version": c.version}
        )

    assert answer.status_code == 302
    last = ComplaintEvent.objects.filter(complaint=c, kind="sensitive_flags").latest("seq")
    assert last.actor == cast.manager
    assert last.data == {"added": [], "removed": ["minor"], "reason": "孩子未受伤，只是陪同"}

    # A reason longer than the field takes is refused with the form, and nothing changes.
    with clock.travel(local(2026, 11, 20, 11, 10)):
        answer = client.post(page, {"kinds": [], "reason": "长" * 301, "version": c.version + 1})
    assert answer.status_code == 400
    assert ComplaintEvent.objects.filter(complaint=c, kind="sensitive_flags").count() == 2
