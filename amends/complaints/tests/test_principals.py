"""Principals other than staff: the customer with their link or a code, an integration with an
API key, and amends itself taking complaints in from its channels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import translation

from amends.complaints import services
from amends.complaints.catalogue import perform
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.narrative import who
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.errors import InvalidInput, NotFound, PermissionDenied
from amends.core.principals import ApiScope, Principal, PrincipalKind, SystemPart
from amends.notifications.models import Outbox
from amends.orgs.models import ApiKey
from amends.orgs.services import api_key_authenticate, api_key_create, api_key_revoke

S = State
pytestmark = pytest.mark.django_db


def link_of(complaint: Complaint) -> Principal:
    return services.customer_link_principal(
        reference=complaint.reference, token=services.customer_link_token(complaint)
    )


def reopen(complaint: Complaint, actor: object) -> Complaint:
    current = Complaint.objects.get(pk=complaint.pk)
    return perform(
        "reopen",
        complaint=current,
        actor=actor,
        data={"version": current.version, "reason": "水还是不热。"},
    )


# --- the customer -----------------------------------------------------------------------------


def test_it_lets_the_customer_reopen_their_own_complaint_with_its_link(cast: Cast) -> None:
    c = drive(cast, S.FEEDBACK_GIVEN)
    reopened = reopen(c, link_of(c))
    assert reopened.state == S.INVESTIGATING
    assert reopened.reopen_count == 1
    event = ComplaintEvent.objects.filter(complaint=c, kind="transition").last()
    assert event is not None
    assert (event.actor_kind, event.actor_ref, event.actor_id) == (
        PrincipalKind.CUSTOMER,
        c.customer_id,
        None,
    )
    assert event.data["action"] == "reopen"


def test_it_keeps_the_customer_away_from_other_complaints(cast: Cast) -> None:
    mine = drive(cast, S.FEEDBACK_GIVEN)
    theirs = drive(cast, S.FEEDBACK_GIVEN, customer_name="张伟", phone="13700001111")
    my_other = drive(cast, S.FEEDBACK_GIVEN, description="更衣室柜子坏了。")
    assert my_other.customer_id == mine.customer_id
    before = {c.pk: c.version for c in (theirs, my_other)}
    with pytest.raises(NotFound) as someone_elses:
        reopen(theirs, link_of(mine))
    assert someone_elses.value.code == "complaint_not_found"
    # The link proves one complaint, not every complaint of the customer.
    with pytest.raises(NotFound):
        reopen(my_other, link_of(mine))
    assert {c.pk: c.version for c in Complaint.objects.filter(pk__in=before)} == before


def test_it_refuses_the_customer_what_only_staff_may_do(cast: Cast) -> None:
    c = drive(cast, S.REVISIT_DONE)
    with pytest.raises(PermissionDenied) as refused:
        perform("close", complaint=c, actor=link_of(c), data={"version": c.version})
    assert refused.value.code == "action_not_allowed"
    assert Complaint.objects.get(pk=c.pk).state == S.REVISIT_DONE


def test_it_refuses_a_forged_link(cast: Cast) -> None:
    c = received(cast)
    with pytest.raises(NotFound) as refused:
        services.customer_link_principal(reference=c.reference, token="0" * 32)
    assert refused.value.code == "link_invalid"
    other = received(cast, customer_name="张伟", phone="13700001111")
    with pytest.raises(NotFound):  # another complaint's token does not open this one
        services.customer_link_principal(
            reference=c.reference, token=services.customer_link_token(other)
        )


def _sent_code() -> str:
    message = Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE).latest("pk")
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found is not None, message.body
    return found.group(1)


def test_a_code_sent_to_the_phone_opens_all_of_the_customers_complaints(cast: Cast) -> None:
    first = drive(cast, S.FEEDBACK_GIVEN)
    second = drive(cast, S.FEEDBACK_GIVEN, description="更衣室柜子坏了。")
    services.customer_code_send(company=cast.company, phone="139 1234 5678")
    message = Outbox.objects.get(kind=Outbox.Kind.SIGN_IN_CODE)
    assert (message.channel, message.recipient_address) == ("sms", "+8613912345678")
    assert "有效期 10 分钟" in message.body
    customer = services.customer_code_verify(
        company=cast.company, phone="13912345678", code=_sent_code()
    )
    assert (customer.kind, customer.ref, customer.complaint_id) == (
        PrincipalKind.CUSTOMER,
        first.customer_id,
        None,
    )
    assert reopen(first, customer).state == S.INVESTIGATING
    assert reopen(second, customer).state == S.INVESTIGATING
    # A code is used once.
    with pytest.raises(InvalidInput):
        services.customer_code_verify(company=cast.company, phone="13912345678", code="000000")


def test_it_says_nothing_about_an_unknown_phone(cast: Cast) -> None:
    services.customer_code_send(company=cast.company, phone="13600000000")
    assert not Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE).exists()
    with pytest.raises(InvalidInput) as refused:
        services.customer_code_verify(company=cast.company, phone="13600000000", code="123456")
    assert refused.value.code == "code_invalid"


def test_a_code_stops_working_after_five_wrong_tries_and_after_ten_minutes(cast: Cast) -> None:
    received(cast)
    services.customer_code_send(company=cast.company, phone="13912345678")
    code = _sent_code()
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        with pytest.raises(InvalidInput):
            services.customer_code_verify(company=cast.company, phone="13912345678", code=wrong)
    with pytest.raises(InvalidInput):  # the right code, too late
        services.customer_code_verify(company=cast.company, phone="13912345678", code=code)
    services.customer_code_send(company=cast.company, phone="13912345678")
    fresh = _sent_code()
    with clock.travel(clock.now() + timedelta(minutes=11)), pytest.raises(InvalidInput):
        services.customer_code_verify(company=cast.company, phone="13912345678", code=fresh)


# --- API keys ---------------------------------------------------------------------------------


def key_for(
    cast: Cast, *scopes: str, venue: object = None, name: str = "mini-program"
) -> Principal:
    _key, raw = api_key_create(
        actor=cast.director,
        company=cast.company,
        name="mini-program",
        scopes=list(scopes),
        venue=venue,
    )
    return api_key_authenticate(raw=raw)


def test_an_api_key_acts_within_its_scope(cast: Cast) -> None:
    app = key_for(cast, ApiScope.WRITE, venue=cast.gym)
    c = drive(cast, S.INVESTIGATING)
    perform(
        "note",
        complaint=c,
        actor=app,
        data={"version": c.version, "text": "会员在小程序补充：当时有两位教练在场。"},
    )
    event = ComplaintEvent.objects.filter(complaint=c).latest("seq")
    assert (event.kind, event.actor_kind, event.actor_name) == (
        "note",
        PrincipalKind.API_KEY,
        "mini-program",
    )


def test_an_api_key_is_refused_outside_its_scope_and_its_venue(cast: Cast) -> None:
    app = key_for(cast, ApiScope.WRITE, venue=cast.gym)
    c = drive(cast, S.REVISIT_DONE)
    with pytest.raises(PermissionDenied) as refused:
        perform("close", complaint=c, actor=app, data={"version": c.version})
    assert refused.value.code == "action_not_allowed"
    other = services.complaint_receive(
        actor=cast.outsider,
        venue=cast.gym2,
        intake=services.Intake(
            channel="front_desk", description="泳池水太冷。", customer_name="周杰"
        ),
    )
    with pytest.raises(NotFound):
        perform("note", complaint=other, actor=app, data={"version": other.version, "text": "x"})
    with pytest.raises(PermissionDenied) as intake:  # a key for GYM1 records nothing at GYM2
        services.complaint_receive(
            actor=app,
            venue=cast.gym2,
            intake=services.Intake(channel="app", description="空调太冷。", phone="13912345678"),
        )
    assert intake.value.code == "intake_not_allowed"
    reader = api_key_authenticate(
        raw=api_key_create(
            actor=cast.director, company=cast.company, name="crm", scopes=[ApiScope.READ]
        )[1]
    )
    with pytest.raises(PermissionDenied) as read_only:
        services.complaint_receive(
            actor=reader,
            venue=cast.gym,
            intake=services.Intake(channel="app", description="空调太冷。", phone="13912345678"),
        )
    assert read_only.value.code == "intake_not_allowed"
    with pytest.raises(PermissionDenied):
        perform("note", complaint=c, actor=reader, data={"version": c.version, "text": "x"})
    assert ComplaintEvent.objects.filter(actor_kind=PrincipalKind.API_KEY).count() == 0


def test_a_revoked_or_unknown_key_is_refused(cast: Cast) -> None:
    key, raw = api_key_create(
        actor=cast.director,
        company=cast.company,
        name="crm",
        scopes=[ApiScope.READ],
    )
    assert api_key_authenticate(raw=raw).name == "crm"
    api_key_revoke(key=key)
    for presented in (raw, "amk_" + "x" * 43, "not-a-key"):
        with pytest.raises(PermissionDenied) as refused:
            api_key_authenticate(raw=presented)
        assert refused.value.code == "api_key_invalid"


def test_only_a_director_or_an_administrator_makes_keys(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        api_key_create(actor=cast.manager, company=cast.company, name="x", scopes=[ApiScope.READ])
    with pytest.raises(InvalidInput) as unknown:
        api_key_create(
            actor=cast.director, company=cast.company, name="x", scopes=["complaints.delete"]
        )
    assert unknown.value.params["unknown"] == ["complaints.delete"]
    assert not ApiKey.objects.exists()


def test_the_command_line_prints_a_key_once_and_keeps_only_its_hash(cast: Cast, capsys) -> None:
    call_command("apikey", "create", venue="GYM1", name="review-monitor", scopes="complaints:write")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    key = ApiKey.objects.get(name="review-monitor")
    assert raw.startswith("amk_") and raw not in (key.key_hash, key.prefix)
    assert api_key_authenticate(raw=raw).scopes == frozenset({ApiScope.WRITE})


# --- complaints without a staff receiver ------------------------------------------------------


def test_a_complaint_from_an_integration_is_owned_by_the_specialist_on_duty(cast: Cast) -> None:
    app = key_for(cast, ApiScope.WRITE, venue=cast.gym)
    c = services.complaint_receive(
        actor=app,
        venue=cast.gym,
        intake=services.Intake(channel="app", description="淋浴没有热水。", phone="13912345678"),
        auto_assign=False,
    )
    assert c.received_by is None
    assert c.owner in (cast.specialist, cast.specialist2)
    assert c.state == S.ACKNOWLEDGED
    kinds = list(c.events.order_by("seq").values_list("kind", "actor_kind"))
    assert kinds[0] == ("received", PrincipalKind.API_KEY)
    assert ("transition", PrincipalKind.SYSTEM) in kinds  # amends acknowledged it


def test_the_duty_role_is_set_per_channel_and_balanced_by_load(cast: Cast) -> None:
    cast.gym.duty_roles = {"web": "front_desk"}
    cast.gym.save()
    web_form = Principal.system("web form")
    c = services.complaint_receive(
        actor=web_form,
        venue=cast.gym,
        intake=services.Intake(channel="web", description="前台态度差。", email="a@example.com"),
        auto_assign=False,
    )
    assert c.owner == cast.desk
    emailed = [
        services.complaint_receive(
            actor=Principal.system("email"),
            venue=cast.gym,
            intake=services.Intake(
                channel="email", description=f"第{n}次投诉。", email="a@example.com"
            ),
        )
        for n in range(2)
    ]
    # Auto-assignment gives each its assignee; the duty owners take turns by load.
    assert {e.owner_id for e in emailed} == {cast.specialist.pk, cast.specialist2.pk}


def test_the_timeline_names_the_part_of_amends_that_took_a_complaint_in_the_readers_words(
    cast: Cast,
) -> None:
    c = services.complaint_receive(
        actor=Principal.system(SystemPart.WEB_FORM.value),
        venue=cast.gym,
        intake=services.Intake(channel="web", description="更衣室地面很滑。", phone="13700137000"),
    )
    event = c.events.get(kind="received")
    with translation.override("zh-hans"):
        assert who(event, {}) == "系统（网页表单）"
    with translation.override("en"):
        assert who(event, {}) == "The system (web form)"


def test_a_customer_gets_at_most_five_codes_an_hour_and_ten_a_day(cast: Cast) -> None:
    received(cast)  # 李娜, 13912345678

    def codes() -> int:
        return Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE).count()

    day = local(2026, 11, 20, 8, 0)
    for hour in range(4):
        with clock.travel(day + timedelta(hours=hour)):
            for _ in range(7):
                services.customer_code_send(company=cast.company, phone="13912345678")
    assert codes() == 10  # 5 at 08:00, 5 at 09:00, none at 10:00 or 11:00
    with clock.travel(day + timedelta(days=1, minutes=1)):
        services.customer_code_send(company=cast.company, phone="13912345678")
    assert codes() == 11
