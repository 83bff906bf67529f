"""Reply scripts (话术) of Lifeforce Fitness in November 2026: the script a complaint gets falls
back from its category and psychology to the category, the psychology, anything, then the
default; the director edits one company-wide (a stale version is told, not overwritten),
resets it to the default; venue managers read the scripts, the desk does not."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from amends.conftest import Cast, local
from amends.console.tests.test_accessibility import unlabelled
from amends.core import clock
from amends.core.errors import PermissionDenied, StaleVersion
from amends.triage.scripts import default_script
from amends.workflow.models import ReplyScript
from amends.workflow.selectors_scripts import reply_script_for
from amends.workflow.services_scripts import reply_script_reset, reply_script_save

LIST = reverse("console:reply_scripts")
NOW = local(2026, 11, 23, 14, 0)


def _edit(
    category: str = "service_attitude", psychology: str = "respect", lang: str = "zh-hans"
) -> str:
    return reverse("console:reply_script", args=[category, psychology, lang])


def _as(client: Client, user, language: str = "en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def _row(cast: Cast, category: str, psychology: str, text: str) -> ReplyScript:
    return ReplyScript.objects.create(
        company=cast.company,
        category_code=category,
        psychology=psychology,
        language="zh-hans",
        text=text,
    )


def test_a_complaint_gets_the_most_specific_script_of_its_company(cast: Cast) -> None:
    def script() -> str:
        found = reply_script_for(
            company_id=cast.company.pk,
            category_code="service_attitude",
            psychology="respect",
            language="zh-hans",
        )
        return found.text

    assert script() == default_script("service_attitude", "respect", "zh-hans")
    _row(cast, "", "", "任何投诉")
    assert script() == "任何投诉"
    _row(cast, "", "respect", "要尊重的顾客")
    assert script() == "要尊重的顾客"
    _row(cast, "service_attitude", "", "服务态度的投诉")
    assert script() == "服务态度的投诉"
    _row(cast, "service_attitude", "respect", "服务态度，要尊重")
    assert script() == "服务态度，要尊重"
    # Another psychology of the category takes the category's script; English has none.
    assert (
        reply_script_for(
            company_id=cast.company.pk,
            category_code="service_attitude",
            psychology="vent",
            language="zh-hans",
        ).text
        == "服务态度的投诉"
    )
    english = reply_script_for(
        company_id=cast.company.pk,
        category_code="service_attitude",
        psychology="respect",
        language="en",
    )
    assert english.is_default and english.text == default_script(
        "service_attitude", "respect", "en"
    )
    # Another company's wording is never ours.
    other = reply_script_for(
        company_id=cast.stranger.company_id,
        category_code="service_attitude",
        psychology="respect",
        language="zh-hans",
    )
    assert other.is_default


def test_the_page_lists_every_category_and_psychology_in_both_languages(
    client: Client, cast: Cast
) -> None:
    _row(cast, "service_attitude", "respect", "服务态度，要尊重")
    _as(client, cast.director)
    with clock.travel(NOW):
        html = client.get(LIST).content.decode()

    categories = [c.code for c in cast.company.categories.filter(is_active=True)]
    for code in ["-", *categories]:
        for psychology in [
            "-",
            "vent",
            "respect",
            "compensation",
            "evade_responsibility",
            "hostile",
            "mixed",
        ]:
            row = re.search(rf'<tr id="script-{code}-{psychology}">.*?</tr>', html, re.S)
            assert row, (code, psychology)
            assert 'data-language="zh-hans"' in row.group(0) and 'data-language="en"' in row.group(
                0
            )
    own = re.search(r'<tr id="script-service_attitude-respect">.*?</tr>', html, re.S).group(0)
    assert 'data-source="own"' in own and "服务态度，要尊重" in own
    vent = re.search(r'<tr id="script-service_attitude-vent">.*?</tr>', html, re.S).group(0)
    assert 'data-source="default"' in vent
    assert _edit() in html  # the director may edit
    assert f'href="{LIST}"' in html  # the navigation links the page


def test_only_managers_and_directors_open_the_page_and_only_company_wide_ones_edit(
    client: Client, cast: Cast
) -> None:
    _as(client, cast.manager)  # a manager of one gym: reads, does not edit
    html = client.get(LIST).content.decode()
    assert client.get(LIST).status_code == 200 and _edit() not in html
    assert f'href="{LIST}"' in html
    assert client.get(_edit()).status_code == 403
    assert client.post(_edit(), {"text": "改", "version": 0}).status_code == 403
    for user in (cast.desk, cast.specialist, cast.auditor):
        _as(client, user)
        assert client.get(LIST).status_code == 403, user
        assert f'href="{LIST}"' not in client.get(reverse("console:dashboard")).content.decode()
    assert not ReplyScript.objects.exists()
    client.logout()
    assert client.get(LIST).status_code == 302


def test_the_director_edits_a_script_and_a_stale_edit_is_told(client: Client, cast: Cast) -> None:
    _as(client, cast.director)
    form = client.get(_edit()).content.decode()
    assert 'name="version" value="0"' in form  # the default shows: no company row yet
    assert 'maxlength="2000"' in form

    with clock.travel(NOW):
        response = client.post(_edit(), {"text": "{name}您好，经理亲自为您处理。", "version": 0})
    assert response.status_code == 302 and response["Location"].endswith(
        "#script-service_attitude-respect"
    )
    row = ReplyScript.objects.get(
        company=cast.company, category_code="service_attitude", psychology="respect"
    )
    assert (row.text, row.version, row.updated_by) == (
        "{name}您好，经理亲自为您处理。",
        1,
        cast.director,
    )

    # Someone else saves version 2 meanwhile; a form still based on version 1 is told.
    reply_script_save(
        actor=cast.director,
        category_code="service_attitude",
        psychology="respect",
        language="zh-hans",
        text="第二版",
        expected_version=1,
    )
    response = client.post(_edit(), {"text": "第三版", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this script meanwhile" in html
    assert "第二版" in html and "第三版" in html  # what is there now, and what was typed
    assert 'name="version" value="2"' in html  # saving again is a deliberate choice
    assert ReplyScript.objects.get(pk=row.pk).text == "第二版"


def test_bad_text_is_shown_again_with_its_message(client: Client, cast: Cast) -> None:
    _as(client, cast.director)
    for text in ("", "   ", "长" * 2001):
        response = client.post(_edit(), {"text": text, "version": 0})
        assert response.status_code == 400, len(text)
        assert 'class="error"' in response.content.decode()
    assert client.post(_edit(), {"text": "好", "version": "x"}).status_code == 400
    assert client.get(_edit("no_such_code")).status_code == 404
    assert client.get(_edit(psychology="angry")).status_code == 404
    assert client.get(_edit(lang="fr")).status_code == 404
    assert not ReplyScript.objects.exists()


def test_reset_puts_the_default_back_and_checks_the_version(client: Client, cast: Cast) -> None:
    _as(client, cast.director)
    row = reply_script_save(
        actor=cast.director,
        category_code="",
        psychology="hostile",
        language="en",
        text="Hello {name}.",
        expected_version=0,
    )
    reset = reverse("console:reply_script_reset", args=["-", "hostile", "en"])

    stale = client.post(reset, {"version": 7})
    assert stale.status_code == 409 and "Someone else changed this script" in stale.content.decode()
    assert ReplyScript.objects.filter(pk=row.pk).exists()

    assert client.post(reset, {"version": row.version}).status_code == 302
    assert not ReplyScript.objects.filter(pk=row.pk).exists()
    found = reply_script_for(
        company_id=cast.company.pk, category_code="noise", psychology="hostile", language="en"
    )
    assert found.is_default


def test_the_services_refuse_a_venue_manager_and_a_stale_create(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        reply_script_save(
            actor=cast.manager,
            category_code="",
            psychology="",
            language="zh-hans",
            text="好",
            expected_version=0,
        )
    reply_script_save(
        actor=cast.director,
        category_code="noise",
        psychology="",
        language="zh-hans",
        text="噪音",
        expected_version=0,
    )
    with pytest.raises(StaleVersion):  # someone created it meanwhile
        reply_script_save(
            actor=cast.director,
            category_code="noise",
            psychology="",
            language="zh-hans",
            text="噪音二",
            expected_version=0,
        )
    with pytest.raises(StaleVersion):
        reply_script_reset(
            actor=cast.director,
            category_code="noise",
            psychology="",
            language="zh-hans",
            expected_version=0,
        )
    # The stranger directs another company: their script is theirs, ours stays as it was.
    reply_script_save(
        actor=cast.stranger,
        category_code="noise",
        psychology="",
        language="zh-hans",
        text="别家的",
        expected_version=0,
    )
    assert ReplyScript.objects.get(company=cast.company, category_code="noise").text == "噪音"


def test_every_control_of_the_triage_pages_is_labelled(client: Client, cast: Cast) -> None:
    _as(client, cast.director)
    for url in (LIST, _edit(), _edit("-", "-", "en")):
        html = client.get(url).content.decode()
        assert unlabelled(html) == [], url
    panel = client.post(
        reverse("console:intake_triage"),
        {"venue": cast.gym.pk, "description": "跑步机皮带突然打滑，我摔倒了膝盖流血。"},
    ).content.decode()
    assert "data-triage-accept-all" in panel and unlabelled(panel) == []
