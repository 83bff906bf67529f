"""Helpers of the console's browser tests: a signed-in person at the console, numbered
screenshots, and the action forms of the complaint page filled the way a person fills them.

Playwright's sync API drives Debian's /usr/bin/chromium (never a downloaded browser)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from amends.core.tests.chromium import ARTIFACTS, TIMEOUT_MS
from amends.orgs.models import Company, User

PASSWORD = "amends-test"
# What the browser says it reads, so the login page (before anyone signs in) is in `lang` too.
ACCEPT_LANGUAGE = {"zh-hans": "zh-CN", "en": "en-US"}


def tr(lang: str, text: Any) -> str:
    """`text` (a lazy translation or a msgid) as the console shows it in `lang`."""
    with translation.override(lang):
        return str(translation.gettext(str(text)) if isinstance(text, str) else text)


class Console:
    """One story in one browser context: the person signed in now, their page, the shots."""

    def __init__(self, browser: Browser, base_url: str, lang: str, story: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.lang = lang
        self.shots_dir = ARTIFACTS / lang / story
        shutil.rmtree(self.shots_dir, ignore_errors=True)
        self.shots_dir.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.context: BrowserContext = browser.new_context(
            locale=ACCEPT_LANGUAGE[lang],
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        self.page: Page = self.context.new_page()
        self.who: str | None = None

    def close(self) -> None:
        self.context.close()

    # --- pages -------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def shot(self, name: str, page: Page | None = None) -> Path:
        """A full-page screenshot, numbered in the order of the story."""
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.shots_dir / f"{self.count:02d}-{slug}.png"
        target = page or self.page
        scrolled = target.evaluate("() => [window.scrollX, window.scrollY]")
        target.screenshot(path=str(path), full_page=True)
        # A full-page screenshot resizes the page for a moment and leaves it scrolled elsewhere;
        # put the scroll back and let two frames pass, or the next click can be half lost
        # (mousedown on the button, mouseup on what moved under the pointer).
        target.evaluate(
            "([x, y]) => new Promise(r => { window.scrollTo(x, y);"
            " requestAnimationFrame(() => requestAnimationFrame(r)); })",
            scrolled,
        )
        return path

    def open(self, path: str, name: str, page: Page | None = None) -> Page:
        target = page or self.page
        response = target.goto(self.url(path))
        assert response is not None and response.ok, f"GET {path}: {response and response.status}"
        target.wait_for_load_state()
        self.check_lang(target)
        self.shot(name, target)
        return target

    def complaint(self, reference: str, name: str, page: Page | None = None) -> Page:
        target = self.open(f"/console/c/{reference}/", name, page)
        expect(target.locator("header.complaint-head")).to_have_attribute(
            "data-reference", reference
        )
        return target

    def check_lang(self, page: Page | None = None) -> None:
        expect((page or self.page).locator("html")).to_have_attribute("lang", self.lang)

    # --- people ------------------------------------------------------------------------------

    def sign_in(self, user: Any) -> None:
        """Sign out whoever is signed in, then sign `user` in through the login page."""
        page = self.page
        if self.who is not None:
            sign_out = page.locator("header.top form[action$='/logout/'] button")
            if sign_out.count() == 0:
                page.goto(self.url("/console/"))
            with page.expect_navigation():
                page.locator("header.top form[action$='/logout/'] button").click()
            self.who = None
        page.goto(self.url("/console/login/"))
        expect(page.locator("#id_username")).to_be_visible()
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("form button.primary").click()
        page.wait_for_load_state()
        with translation.override(self.lang):  # a name is shown in the reader's language
            shown = str(user)
        expect(page.locator("header.top .user")).to_have_text(shown)
        self.who = user.username
        self.check_lang()
        self.shot(f"dashboard-{user.username}")

    # --- the complaint page ------------------------------------------------------------------

    def state(self, page: Page | None = None) -> str:
        head = (page or self.page).locator("header.complaint-head")
        return head.get_attribute("data-state") or ""

    def expect_state(self, state: str, page: Page | None = None) -> None:
        expect((page or self.page).locator("header.complaint-head")).to_have_attribute(
            "data-state", state
        )

    def act(
        self,
        key: str,
        name: str,
        fields: dict[str, Any] | None = None,
        *,
        page: Page | None = None,
        ok: bool = True,
    ) -> Page:
        """Open the action `key`, fill its form, submit it and wait for the page that follows.
        `ok` (the default) expects the success message and no error on that page."""
        target = page or self.page
        details = target.locator(f"details#act-{key}")
        expect(details).to_be_visible()
        if details.get_attribute("open") is None:
            details.locator("> summary").click()
        form = target.locator(f"form#form-{key}")
        expect(form).to_be_visible()
        fill(form, fields or {})
        self.shot(f"{name}-filled", target)
        with target.expect_navigation():
            form.locator("button.primary").click()
        target.wait_for_load_state()
        self.check_lang(target)
        self.shot(name, target)
        if ok:
            expect(target.locator(".messages li.success")).to_be_visible()
            expect(target.locator(".error")).to_have_count(0)
        return target

    def available(self, key: str, page: Page | None = None) -> Locator:
        return (page or self.page).locator(f"details#act-{key}")


def fill(form: Locator, fields: dict[str, Any]) -> None:
    """Fill each named field of `form` as a person would: type, pick, tick."""
    for name, value in fields.items():
        inputs = form.locator(f"[name='{name}']")
        first = inputs.first
        tag = first.evaluate("el => el.tagName.toLowerCase()")
        kind = (first.get_attribute("type") or "").lower()
        if tag == "select":
            first.select_option(value=str(value))
        elif kind == "radio":
            form.locator(f"[name='{name}'][value='{value}']").check()
        elif kind == "checkbox":
            first.set_checked(bool(value))
        else:
            first.fill(str(value))


LANGS = ["zh-hans", "en"]


def console_factory(browser: Any, url: str, company: Company) -> Iterator[Callable[..., Any]]:
    """`make(lang, story)`: a console whose staff all work in `lang`; closed at the end."""
    opened: list[Console] = []

    def make(lang: str, story: str) -> Console:
        User.objects.filter(company=company).update(language=lang)
        console = Console(browser, url, lang, story)
        opened.append(console)
        return console

    yield make
    for console in opened:
        console.close()
