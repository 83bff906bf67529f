"""The Content-Security-Policy in a real browser: the console's htmx pieces (the duplicate check
while typing, revealing a contact, the venue switch), the reports' charts, the Security pages
with their QR code, the admin and the API's docs page all work without a single violation in
Chromium's console — and a manager who added an authenticator app signs in with its code.

Screenshots under test-artifacts/browser/<lang>/security/."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from amends.conftest import Cast
from amends.console.tests.browser import PASSWORD, Console
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.services import role_grant


def watch(c: Console) -> list[str]:
    """Every CSP violation and page error Chromium reports, from now on."""
    seen: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused" in text):
            seen.append(text)

    c.page.on("console", on_console)
    c.page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))
    c.context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Refused (CSP) ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.mark.parametrize("lang", ["en"])
def test_the_console_works_under_its_policy_without_a_violation(
    lang: str, console_for: Any, cast: Cast
) -> None:
    complaint = cast.receive(category="service_quality", phone="13912345678")
    role_grant(user=cast.manager, role=Role.MANAGER, venue=cast.gym2)  # two venues: the switch
    User.objects.filter(pk=cast.manager.pk).update(is_staff=True, is_superuser=True)
    c: Console = console_for(lang, "security")
    violations = watch(c)
    c.sign_in(cast.manager)

    # htmx: the duplicate check as the desk types the phone number.
    page = c.open("/console/new/", "intake")
    page.locator("[name=phone]").fill("13912345678")
    page.locator("[name=phone]").press("Tab")
    expect(page.locator("#duplicates")).to_contain_text(complaint.reference)
    c.shot("intake-duplicates")

    # htmx: the contact revealed in place.
    page = c.complaint(complaint.reference, "complaint")
    reveal = page.locator("form[action$='/contact/'] button")
    reveal.click()
    expect(page.locator("body")).to_contain_text("13912345678")
    c.shot("contact-revealed")

    # The venue switch (a static script instead of onchange="").
    with page.expect_navigation():
        page.locator("#venue-switch").select_option(str(cast.gym2.pk))
    expect(page.locator("#venue-switch")).to_have_value(str(cast.gym2.pk))

    # The reports' charts (inline SVG without <style>), the admin, the API's docs.
    c.open("/console/reports/", "kpi")
    c.open("/console/reports/monthly/", "monthly")
    c.open("/admin/", "admin")
    c.open("/admin/orgs/venue/", "admin-venues")
    docs = c.page.goto(c.url("/api/v1/docs"))
    assert docs is not None and docs.ok
    expect(c.page.locator("#swagger-ui .info .title")).to_be_visible()
    c.shot("api-docs")

    # The Security page: add an authenticator app, with its QR code drawn on the page.
    page = c.open("/console/security/", "security")
    with page.expect_navigation():
        page.locator("button[name=start]").click()
    expect(page.locator(".qr svg")).to_be_visible()
    c.shot("enrol-qr")
    device = TOTPDevice.objects.get(user=cast.manager)
    page.fill("input[name=code]", code_of(device))
    with page.expect_navigation():
        page.locator("form button.primary").click()
    expect(page.locator(".messages")).to_contain_text("asks for a code")
    c.shot("enrolled")

    # Signing in again: password, then the code step, then the page asked for.
    with page.expect_navigation():
        page.locator("header.top form[action$='/logout/'] button").click()
    page.goto(c.url("/console/queue/all/"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form button.primary").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    c.shot("code-step")
    page.fill("input[name=code]", "000000")
    with page.expect_navigation():
        page.locator("form button.primary").click()
    expect(page.locator("#code-error")).to_be_visible()
    c.shot("code-wrong")
    device.refresh_from_db()
    device.throttle_reset()
    page.fill("input[name=code]", code_of(device, steps_ahead=1))
    with page.expect_navigation():
        page.locator("form button.primary").click()
    assert page.url.endswith("/console/queue/all/")

    assert violations == []


def test_a_locked_out_sign_in_says_so_in_the_browser(console_for: Any, cast: Cast) -> None:
    c: Console = console_for("zh-hans", "lockout")
    violations = watch(c)
    page = c.page
    page.goto(c.url("/console/login/"))
    for _ in range(10):
        page.fill("#id_username", "director")
        page.fill("#id_password", "wrong password")
        with page.expect_navigation():
            page.locator("form button.primary").click()
    expect(page.locator("#sign-in-locked")).to_be_visible()
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form button.primary").click()
    expect(page.locator("#sign-in-locked")).to_be_visible()
    c.shot("locked")
    assert violations == []
