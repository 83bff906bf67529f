"""A specialist's revisit call in a real browser, in Chinese and English: she signs in, opens
her calls due today, opens the call sheet, reads the greeting, chooses "Satisfied" (the server
shows that branch of the script; no script runs in the page) and records the call.

The live server runs on the real clock (a travelled clock does not cross threads), so the call
is triggered four days ago and is due by now. Screenshots go to
test-artifacts/browser/<lang>/care-call/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from amends.care import services
from amends.care.models import CampaignCall, RevisitCampaign
from amends.care.tests.stories import campaign, member
from amends.conftest import Cast
from amends.console.tests.browser import LANGS, Console, tr
from amends.core import clock


@pytest.mark.parametrize("lang", LANGS)
def test_the_specialist_makes_a_revisit_call_from_the_sheet(
    lang: str, console_for: Any, cast: Cast
) -> None:
    campaign(cast)
    wang = member(cast, "A001", name="王芳", phone="13900001234")
    now = clock.now()
    wang = services.specialist_assign(member=wang, specialist=cast.specialist, now=now)
    call = services.campaign_trigger(
        venue=cast.gym,
        trigger=RevisitCampaign.Trigger.JOINING,
        member=wang,
        at=now - timedelta(days=4),
        key="joining:browser",
    )
    assert call is not None and call.due_at <= now

    c: Console = console_for(lang, "care-call")
    c.sign_in(cast.specialist)
    page = c.open("/console/care/calls/", "calls-due-today")
    row = page.locator(f"table[data-calls] tr[data-call='{call.pk}']")
    expect(row).to_contain_text("A001")
    expect(row).not_to_contain_text("13900001234")  # masked
    with page.expect_navigation():
        row.locator("a.button.primary").click()
    c.check_lang()
    expect(page.locator("[data-part=greeting]")).to_contain_text(
        "您好，我是静安健身会所的客服专员。"
    )
    expect(page.locator("[data-part=satisfied]")).to_have_count(0)
    c.shot("call-sheet")

    with page.expect_navigation():
        page.locator("[data-branch-button=satisfied]").click()
    expect(page.locator("header.call-head")).to_have_attribute("data-branch", "satisfied")
    expect(page.locator("[data-part=satisfied]")).to_contain_text("感谢您的认可！")
    expect(page.locator("[data-part=unsatisfied]")).to_have_count(0)
    expect(page.locator("#form-call [name=outcome]")).to_have_value("satisfied")
    c.shot("satisfied-branch")

    form = page.locator("#form-call")
    form.locator("[name=score]").select_option("5")
    form.locator("[name=notes]").fill("很满意，教练很专业。")
    c.shot("call-filled")
    with page.expect_navigation():
        form.locator("button.primary").click()
    c.check_lang()
    expect(page.locator(".messages li.success")).to_contain_text(tr(lang, "The call is recorded."))
    expect(page.locator("[data-recorded] [data-outcome]")).to_have_attribute(
        "data-outcome", "satisfied"
    )
    expect(page.locator("#form-call")).to_have_count(0)
    c.shot("call-recorded")

    recorded = CampaignCall.objects.get(pk=call.pk)
    assert (recorded.status, recorded.outcome, recorded.score) == ("done", "satisfied", 5)
    assert recorded.called_by == cast.specialist
