"""The headers an attacker's browser meets: a Content-Security-Policy without inline script on
every console page (each named URL of the console, a complaint, the reports), on the customer's
pages, the admin and the API's docs; `Cache-Control: no-store` wherever personal data may show;
HSTS, the SSL redirect and secure cookies once AMENDS_HTTPS is on; and `amends check --deploy`
clean with the production settings of the README."""

from __future__ import annotations

import io
import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from amends.complaints.messages import tracking_url
from amends.complaints.tests.test_evidence import png_bytes
from amends.conftest import Cast
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.services import role_grant

README = Path(__file__).resolve().parents[3] / "README.md"


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in parsed, f"{words[0]} twice"
            parsed[words[0]] = words[1:]
    return parsed


def assert_strict(response) -> None:
    csp = policy(response)
    where = response.request["PATH_INFO"]
    if csp.get("default-src") == ["'none'"]:
        # A file shown in the browser (evidence) gets a stricter policy of its own: nothing runs.
        assert "sandbox" in csp and "script-src" not in csp, where
        return
    assert csp["default-src"] == ["'self'"], where
    assert csp["script-src"] == ["'self'"], where
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'"], where
    assert csp["img-src"] == ["'self'", "data:"], where
    assert csp["frame-ancestors"] == ["'none'"], where
    assert csp["form-action"] == ["'self'"], where
    assert csp["base-uri"] == ["'self'"], where
    assert csp["object-src"] == ["'none'"], where


def console_names(patterns=None, prefix: str = "console") -> list[tuple[str, list[str]]]:
    """Every named URL of the console: (name, its arguments)."""
    resolver = get_resolver()
    if patterns is None:
        patterns = resolver.namespace_dict["console"][1].url_patterns
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += console_names(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{prefix}:{entry.name}", list(entry.pattern.converters)))
    return found


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def boss(cast: Cast) -> User:
    """The gym's manager, also administrator of the company and Django staff: sees every page."""
    role_grant(user=cast.manager, role=Role.ADMIN, venue=None)
    User.objects.filter(pk=cast.manager.pk).update(is_staff=True, is_superuser=True)
    return User.objects.get(pk=cast.manager.pk)


def test_every_console_page_carries_a_strict_content_security_policy(
    client: Client, cast: Cast, boss: User
) -> None:
    complaint = cast.receive(category="service_quality")
    client.force_login(boss)
    client.post(
        reverse("console:act", args=[complaint.reference, "evidence"]),
        {"version": complaint.version, "file": io.BytesIO(png_bytes()), "description": "照片"},
    )
    evidence = complaint.evidence.get()
    samples = {
        "reference": complaint.reference,
        "pk": str(evidence.pk),
        "name": "all",
        "slug": "x",
        "code": "x",
    }
    names = console_names()
    assert len(names) >= 30, names  # the enumeration found the console
    seen = set()
    for name, arguments in names:
        path = reverse(name, kwargs={a: samples.get(a, "x") for a in arguments})
        for response in (client.get(path), client.get(path, headers={"hx-request": "true"})):
            assert response.status_code < 500, (path, response.status_code)
            assert_strict(response)
        seen.add(name)
    assert {"console:dashboard", "console:complaint", "console:kpi", "console:security"} <= seen
    # The pages with data, once more with their query strings.
    for path in [
        reverse("console:monthly_report") + "?month=2026-11",
        reverse("console:report_complaints") + "?month=2026-11&figure=received",
        reverse("console:queue", args=["all"]) + "?sort=due",
        reverse("console:search") + "?q=13800138000",
        reverse("console:complaint", args=[complaint.reference]),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_the_console_pages_hold_no_inline_script_or_style(
    client: Client, cast: Cast, boss: User
) -> None:
    complaint = cast.receive(category="service_quality")
    client.force_login(boss)
    for path in [
        "/console/",
        reverse("console:complaint", args=[complaint.reference]),
        reverse("console:intake"),
        reverse("console:kpi"),
        reverse("console:monthly_report") + "?month=2026-11",
        reverse("console:security"),
        reverse("console:login"),
    ]:
        page = (Client() if "login" in path else client).get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"\son[a-z]+\s*=", page), path
        assert "style=" not in page and "<style" not in page, path
        assert "javascript:" not in page and "hx-on" not in page, path
        assert '"includeIndicatorStyles":false' in page, path


def test_the_customers_pages_the_admin_and_the_api_docs_carry_the_policy(
    client: Client, cast: Cast, boss: User
) -> None:
    complaint = cast.receive(category="service_quality")
    for path in [
        reverse("public:form", args=[cast.gym.code]),
        reverse("public:sign_in"),
        tracking_url(complaint).split("127.0.0.1:8000", 1)[1],
        "/console/login/",
        "/admin/login/",
        "/api/v1/docs",
        "/api/v1/",
        "/no/such/page/",
    ]:
        assert_strict(client.get(path))
    client.force_login(boss)
    for path in ["/admin/", "/admin/orgs/venue/", f"/admin/orgs/venue/{cast.gym.pk}/change/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_pages_with_personal_data_are_never_stored_by_a_browser_or_a_proxy(
    client: Client, cast: Cast, boss: User
) -> None:
    complaint = cast.receive(category="service_quality")
    client.force_login(boss)
    client.post(
        reverse("console:act", args=[complaint.reference, "evidence"]),
        {"version": complaint.version, "file": io.BytesIO(png_bytes()), "description": "照片"},
    )
    for response in [
        client.get(reverse("console:complaint", args=[complaint.reference])),
        client.post(
            reverse("console:reveal_contact", args=[complaint.reference]),
            headers={"hx-request": "true"},
        ),
        client.get(reverse("console:evidence", args=[complaint.evidence.get().pk])),
        client.get(reverse("console:search") + "?q=13800138000"),
        client.get("/console/"),
        client.get("/api/v1/"),
        Client().get(tracking_url(complaint).split("127.0.0.1:8000", 1)[1]),
    ]:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_static_files_are_cached_as_usual(client: Client, settings) -> None:
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/console/base.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_every_page_refuses_framing_and_sniffing_and_keeps_the_referrer_home(
    client: Client, db: None
) -> None:
    response = client.get("/console/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert policy(response)["frame-ancestors"] == ["'none'"]


def test_https_settings_redirect_and_send_hsts(client: Client, settings, db: None) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get("/console/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = Client().get("/console/login/", headers={"x-forwarded-proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000"


# --- settings from the environment ----------------------------------------------------------

SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "AMENDS_FIELD_KEYS": Fernet.generate_key().decode(),
    "AMENDS_BLIND_INDEX_KEY": "b" * 40,
    "AMENDS_TIMELINE_KEY": "t" * 40,
}
NAMES = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def settings_of(env: dict[str, str]) -> dict[str, object]:
    code = (
        "import json, amends.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(NAMES)!r}}}))"
    )
    result = run(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_amends_https_turns_on_redirect_hsts_and_secure_cookies(tmp_path) -> None:
    base = {"AMENDS_VAR_DIR": str(tmp_path)}
    assert settings_of(base) == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }
    https = {**base, "AMENDS_HTTPS": "1", "AMENDS_PROXY_SSL_HEADER": "true"}
    assert settings_of(https) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    tuned = {**https, "AMENDS_HSTS_SECONDS": "600", "AMENDS_PROXY_SSL_HEADER": "X-Forwarded-Scheme"}
    got = settings_of(tuned)
    assert got["SECURE_HSTS_SECONDS"] == 600
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    bad = run(
        {**base, "AMENDS_PROXY_SSL_HEADER": "X Forwarded:Proto"}, "-c", "import amends.settings"
    )
    assert bad.returncode != 0 and "AMENDS_PROXY_SSL_HEADER must be" in bad.stderr


def readme_production_env() -> dict[str, str]:
    """The variables the README's production section sets (`NAME=value` in backticks)."""
    text = README.read_text()
    section = text.split("## Running at scale", 1)[1].split("\n## ", 1)[0]
    pairs = re.findall(r"`(AMENDS_[A-Z_]+)=([^`…]+)`", section)
    return {name: value for name, value in pairs if "…" not in value and "://" not in value}


def test_check_deploy_is_clean_with_the_production_settings_of_the_readme(tmp_path) -> None:
    env = {
        "AMENDS_VAR_DIR": str(tmp_path),
        **SECRETS,
        **readme_production_env(),
        "AMENDS_ALLOWED_HOSTS": "amends.example.com",
    }
    assert env["AMENDS_ENV"] == "production" and env["AMENDS_HTTPS"] == "true"
    result = run(env, "-m", "amends", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
