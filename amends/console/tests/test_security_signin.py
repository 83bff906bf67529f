"""Sign-in as an attacker would try it: ten wrong passwords lock an account (and an address across
accounts) until the cool-off ends or an administrator lifts the lock, and the page says so; the
second factor is asked after the password; a shared desk terminal forgets the sign-in when the
browser closes; passwords a person chooses are checked."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from amends.conftest import Cast
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create


def zh(text: str) -> str:
    """`text` as the console shows it to staff, who read Simplified Chinese by default."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


PASSWORD = "amends-test"
LOGIN = "/console/login/"
LOCKED_EN = (
    "Too many failed sign-ins: signing in is locked for 30 minutes after the last attempt, "
    "even with the right password, or until an administrator lifts the lock."
)


def sign_in(client: Client, username: str, password: str, **extra: str):
    data = {"username": username, "password": password, "next": "/console/", **extra}
    return client.post(LOGIN, data, headers={"accept-language": "en"})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        sign_in(client, username, "not-the-password")


def age_attempts(minutes: int) -> None:
    """Move the failures `minutes` into the past (as if the clock had moved on)."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


# --- lockout --------------------------------------------------------------------------------


def test_ten_wrong_passwords_lock_the_account_even_against_the_right_one(
    client: Client, cast: Cast
) -> None:
    for attempt in range(1, 10):
        response = sign_in(client, "manager", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert "The username or password is wrong." in response.content.decode()
    tenth = sign_in(client, "manager", "wrong-10")
    assert tenth.status_code == 429
    assert LOCKED_EN in tenth.content.decode()

    right = sign_in(client, "manager", PASSWORD)
    assert right.status_code == 429 and not signed_in(client)
    page = right.content.decode()
    assert LOCKED_EN in page and "The username or password is wrong." not in page
    assert 'name="username"' in page and 'value="manager"' in page  # the form, not a bare 403

    # The page speaks the visitor's language.
    zh = client.post(
        LOGIN,
        {"username": "manager", "password": PASSWORD},
        headers={"accept-language": "zh-hans"},
    )
    assert zh.status_code == 429 and 'id="sign-in-locked"' in zh.content.decode()
    assert 'lang="zh-hans"' in zh.content.decode()

    # Other people still sign in (from another address: this one has 10 failures too).
    other = Client(REMOTE_ADDR="10.1.1.7")
    assert sign_in(other, "specialist", PASSWORD).status_code == 302 and signed_in(other)
    # …but not the locked account, from anywhere.
    assert sign_in(Client(REMOTE_ADDR="10.1.1.8"), "manager", PASSWORD).status_code == 429


def test_ten_failures_from_one_address_across_accounts_lock_the_address(
    client: Client, cast: Cast
) -> None:
    for name in ["desk", "specialist", "coach", "nobody", "admin", "root", "manager2", "a", "b"]:
        assert sign_in(client, name, "guess").status_code == 200
    assert sign_in(client, "courses", "guess").status_code == 429
    # A person who has not failed once is refused from that address…
    assert sign_in(client, "director", PASSWORD).status_code == 429
    assert not signed_in(client)
    # …and signs in from another.
    elsewhere = Client(REMOTE_ADDR="10.2.2.2")
    assert sign_in(elsewhere, "director", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off_and_tries_meanwhile_do_not_extend_it(
    client: Client, cast: Cast
) -> None:
    fail(client, "manager", 10)
    age_attempts(29)
    assert sign_in(client, "manager", PASSWORD).status_code == 429  # 29 min: still locked
    age_attempts(2)  # 31 minutes after the last failure; the try at 29 did not restart it
    response = sign_in(client, "manager", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_an_administrator_lifts_the_lockout_in_the_console(client: Client, cast: Cast) -> None:
    fail(client, "manager", 10)
    admin = staff_create(company=cast.company, username="it", password=PASSWORD)
    role_grant(user=admin, role=Role.ADMIN, venue=None)
    console = Client()
    console.force_login(admin)
    page = console.get(reverse("console:security")).content.decode()
    assert "Locked sign-ins" in page or "锁定" in page
    assert ">manager<" in page

    # A venue's manager is no administrator: refused.
    stranger = Client()
    stranger.force_login(cast.outsider)
    refused = stranger.post(reverse("console:security_unlock"), {"username": "manager"})
    assert refused.status_code == 403
    assert sign_in(Client(REMOTE_ADDR="10.3.3.3"), "manager", PASSWORD).status_code == 429

    lifted = console.post(reverse("console:security_unlock"), {"username": "manager"})
    assert lifted.status_code == 302
    assert sign_in(Client(REMOTE_ADDR="10.3.3.3"), "manager", PASSWORD).status_code == 302


def test_a_company_administrator_cannot_lift_another_companys_lockout(
    client: Client, cast: Cast
) -> None:
    fail(client, "stranger", 10)
    admin = staff_create(company=cast.company, username="it", password=PASSWORD)
    role_grant(user=admin, role=Role.ADMIN, venue=None)
    console = Client()
    console.force_login(admin)
    assert ">stranger<" not in console.get(reverse("console:security")).content.decode()
    console.post(reverse("console:security_unlock"), {"username": "stranger"})
    assert sign_in(Client(REMOTE_ADDR="10.4.4.4"), "stranger", PASSWORD).status_code == 429


def test_amends_unlock_lifts_the_lockout_from_the_command_line(client: Client, cast: Cast) -> None:
    fail(client, "manager", 10)
    call_command("unlock", "manager", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sign_in(Client(REMOTE_ADDR="10.5.5.5"), "manager", PASSWORD).status_code == 302
    fail(client, "x", 10)  # the address locked
    assert sign_in(client, "director", PASSWORD).status_code == 429
    call_command("unlock", ip="127.0.0.1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sign_in(client, "director", PASSWORD).status_code == 302


def test_the_admin_login_page_is_locked_out_too(client: Client, cast: Cast) -> None:
    User.objects.filter(pk=cast.director.pk).update(is_staff=True)
    for _ in range(10):
        client.post("/admin/login/", {"username": "director", "password": "nope"})
    response = client.post(
        "/admin/login/",
        {"username": "director", "password": PASSWORD},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 429 and LOCKED_EN in response.content.decode()


def test_code_that_signs_in_without_a_request_still_works(client: Client, cast: Cast) -> None:
    """The test client's login() (and management commands) call authenticate() without a
    request: nothing to count, nothing refused."""
    assert client.login(username="manager", password=PASSWORD)
    assert client.get("/console/").status_code == 200


# --- sessions -------------------------------------------------------------------------------


def test_a_sign_in_lasts_twelve_hours_and_a_shared_terminal_until_the_browser_closes(
    client: Client, cast: Cast
) -> None:
    assert sign_in(client, "desk", PASSWORD).status_code == 302
    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == 12 * 3600
    assert not client.session.get_expire_at_browser_close()

    shared = Client()
    assert sign_in(shared, "desk", PASSWORD, shared_terminal="1").status_code == 302
    assert shared.session.get_expire_at_browser_close()
    assert shared.cookies["sessionid"]["max-age"] == ""  # a browser-session cookie
    assert shared.cookies["sessionid"]["expires"] == ""
    page = shared.get(reverse("console:security"), headers={"accept-language": "en"})
    assert (
        zh("Shared desk terminal: you are signed out when the browser closes.")
        in page.content.decode()
    )


def test_the_login_form_offers_the_shared_terminal_choice(client: Client, db: None) -> None:
    page = client.get(LOGIN, headers={"accept-language": "en"}).content.decode()
    assert 'name="shared_terminal"' in page
    assert "Shared desk terminal — sign out when the browser closes" in page


def _settings_in_a_fresh_interpreter(env: dict[str, str], *names: str) -> dict[str, object]:
    code = (
        "import json, amends.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_session_hours_and_lockout_are_set_by_environment(tmp_path) -> None:
    env = {"AMENDS_VAR_DIR": str(tmp_path)}
    got = _settings_in_a_fresh_interpreter(
        env, "SESSION_COOKIE_AGE", "AXES_COOLOFF_TIME", "AXES_FAILURE_LIMIT"
    )
    assert got == {
        "SESSION_COOKIE_AGE": 12 * 3600,
        "AXES_COOLOFF_TIME": "0:30:00",
        "AXES_FAILURE_LIMIT": 10,
    }
    env |= {"AMENDS_SESSION_HOURS": "8", "AMENDS_LOCKOUT_MINUTES": "90"}
    got = _settings_in_a_fresh_interpreter(env, "SESSION_COOKIE_AGE", "AXES_COOLOFF_TIME")
    assert got == {"SESSION_COOKIE_AGE": 8 * 3600, "AXES_COOLOFF_TIME": "1:30:00"}


# --- passwords ------------------------------------------------------------------------------


def test_passwords_a_person_chooses_are_checked(cast: Cast) -> None:
    person = cast.manager
    for weak in ["short1", "password123", "12345678901234", "manager2026x"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user=person)
    validate_password("amends-demo", user=person)
    validate_password("tread-mill-lantern-42", user=person)


def test_the_demo_people_still_sign_in_with_the_demo_password(client: Client, db: None) -> None:
    """The demo creates its people in code (set_password: no validator runs there)."""
    from amends.demo.world import DEMO_PASSWORD
    from amends.orgs.services import company_create

    company = company_create(name="Demo", code="DEMO")
    staff_create(company=company, username="demo.desk", password=DEMO_PASSWORD)
    assert sign_in(client, "demo.desk", DEMO_PASSWORD).status_code == 302


# --- second factor --------------------------------------------------------------------------


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def no_throttle(settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def enrol(client: Client) -> TOTPDevice:
    start = client.post(reverse("console:security_enrol"), {"start": "1"})
    assert start.status_code == 302 and start["Location"] == reverse("console:security_enrol")
    page = client.get(reverse("console:security_enrol"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user_id=client.session["_auth_user_id"], confirmed=False)
    done = client.post(reverse("console:security_enrol"), {"code": code_of(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_a_manager_adds_an_authenticator_app_and_then_signs_in_with_its_code(
    client: Client, cast: Cast, no_throttle: None
) -> None:
    assert sign_in(client, "manager", PASSWORD).status_code == 302
    page = client.get(reverse("console:security"), headers={"accept-language": "en"})
    assert zh("Add an authenticator app") in page.content.decode()

    # A wrong code does not confirm the app.
    client.post(reverse("console:security_enrol"), {"start": "1"})
    pending = TOTPDevice.objects.get(user=cast.manager)
    wrong = client.post(reverse("console:security_enrol"), {"code": "000000"})
    assert wrong.status_code == 400
    pending.refresh_from_db()
    assert not pending.confirmed
    page = client.get(reverse("console:security_enrol")).content.decode()
    assert pending.config_url.split("secret=")[1].split("&")[0][:4] in page.replace(" ", "")
    device = TOTPDevice.objects.get(user=cast.manager)
    client.post(reverse("console:security_enrol"), {"code": code_of(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/console/").status_code == 200  # verified in this session already

    # The next sign-in: the password, then the code step before anything else.
    fresh = Client()
    assert sign_in(fresh, "manager", PASSWORD).status_code == 302
    for path in ["/console/", "/console/queue/all/", reverse("console:security"), "/admin/"]:
        response = fresh.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("console:second_factor")), path
    htmx = fresh.get("/console/new/duplicates/", headers={"hx-request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/console/security/code/")
    step = fresh.get(reverse("console:second_factor") + "?next=/console/queue/all/")
    assert step.status_code == 200

    wrong = fresh.post(
        reverse("console:second_factor"),
        {"code": "123456", "next": "/console/queue/all/"},
        headers={"accept-language": "en"},
    )
    assert wrong.status_code == 400
    assert (
        zh("That code is not right: check the app's time and try again.") in wrong.content.decode()
    )
    assert fresh.get("/console/").status_code == 302
    not_digits = fresh.post(reverse("console:second_factor"), {"code": "12ab56"})
    assert not_digits.status_code == 400

    right = fresh.post(
        reverse("console:second_factor"),
        {"code": code_of(device, steps_ahead=1), "next": "/console/queue/all/"},
    )
    assert right.status_code == 302 and right["Location"] == "/console/queue/all/"
    assert fresh.get("/console/").status_code == 200
    # The same code cannot be used twice (another session replaying it).
    replay = Client()
    sign_in(replay, "manager", PASSWORD)
    again = replay.post(reverse("console:second_factor"), {"code": code_of(device, steps_ahead=1)})
    assert again.status_code == 400


def test_wrong_codes_slow_the_next_tries_down(client: Client, cast: Cast) -> None:
    client.force_login(cast.director)
    device = TOTPDevice.objects.create(user=cast.director, name="amends", confirmed=True)
    fresh = Client()
    sign_in(fresh, "director", PASSWORD)
    fresh.post(reverse("console:second_factor"), {"code": "000000"})
    throttled = fresh.post(
        reverse("console:second_factor"),
        {"code": code_of(device)},
        headers={"accept-language": "en"},
    )
    assert throttled.status_code == 400
    assert zh("Too many wrong codes: wait a minute, then try again.") in throttled.content.decode()


def test_only_the_roles_that_decide_may_add_a_second_factor(client: Client, cast: Cast) -> None:
    for person in [cast.manager, cast.director, cast.auditor]:
        client.force_login(person)
        assert client.post(reverse("console:security_enrol"), {"start": "1"}).status_code == 302
    client.force_login(cast.desk)
    page = client.get(reverse("console:security"), headers={"accept-language": "en"})
    assert zh("Add an authenticator app") not in page.content.decode()
    assert client.post(reverse("console:security_enrol"), {"start": "1"}).status_code == 403
    assert not TOTPDevice.objects.filter(user=cast.desk).exists()


def test_an_administrator_removes_a_lost_phone_and_the_person_signs_in_with_the_password(
    client: Client, cast: Cast
) -> None:
    TOTPDevice.objects.create(user=cast.auditor, name="amends", confirmed=True)
    assert sign_in(client, "auditor", PASSWORD).status_code == 302
    assert client.get("/console/").status_code == 302  # the code step

    # Not the person themselves, nor a manager:
    helper = Client()
    helper.force_login(cast.manager)
    assert (
        helper.post(reverse("console:security_remove_device"), {"username": "auditor"}).status_code
        == 403
    )
    admin = staff_create(company=cast.company, username="it", password=PASSWORD)
    role_grant(user=admin, role=Role.ADMIN, venue=None)
    helper.force_login(admin)
    done = helper.post(reverse("console:security_remove_device"), {"username": "auditor"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.auditor).exists()
    assert client.get("/console/").status_code == 200


def test_a_person_turns_their_second_factor_off_with_a_current_code(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.manager)
    device = enrol(client)
    client.post(reverse("console:security_turn_off"), {"code": "999999"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    device.refresh_from_db()
    device.throttle_reset()
    client.post(reverse("console:security_turn_off"), {"code": code_of(device, steps_ahead=1)})
    assert not TOTPDevice.objects.filter(user=cast.manager).exists()


def test_a_device_added_or_removed_meanwhile_applies_at_the_next_request(
    client: Client, cast: Cast
) -> None:
    """Whether a person has a second factor is asked on every request and kept in the
    per-process cache: a device confirmed in another session asks this one for its code at
    its next request, and checking a code (the device saves its counters) keeps the answer."""
    client.force_login(cast.manager)
    assert client.get("/console/").status_code == 200
    assert client.get("/console/").status_code == 200  # answered from the cache
    device = TOTPDevice.objects.create(user=cast.manager, name="amends", confirmed=False)
    assert client.get("/console/").status_code == 200  # not confirmed yet
    device.confirmed = True
    device.save()
    assert client.get("/console/")["Location"].startswith(reverse("console:second_factor"))
    device.throttle_increment()  # a wrong code elsewhere: saved, still confirmed
    assert client.get("/console/").status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).delete()
    assert client.get("/console/").status_code == 200
