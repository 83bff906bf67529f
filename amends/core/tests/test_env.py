"""Settings fail loudly on a bad value."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from amends.core.env import env_bool, env_choice, env_int, env_list


def test_it_reads_typed_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST") == ["a", "b", "c"]
    assert env_int("X_MISSING", 7) == 7


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("X_BOOL", "perhaps", lambda: env_bool("X_BOOL")),
        ("X_INT", "ten", lambda: env_int("X_INT", 1)),
        ("X_INT", "0", lambda: env_int("X_INT", 1, minimum=1)),
        (
            "X_CHOICE",
            "mysql",
            lambda: env_choice("X_CHOICE", ("embedded", "production"), "embedded"),
        ),
    ],
)
def test_it_names_the_variable_of_a_bad_value(monkeypatch, name, value, read):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        read()


def import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with only `env` (and PATH) set."""
    return subprocess.run(
        [sys.executable, "-c", "import amends.settings"],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    result = import_settings({"AMENDS_ENV": "production", "AMENDS_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "AMENDS_ENV=production needs these variables" in result.stderr
    assert not (tmp_path / "secrets.json").exists()


def test_a_malformed_database_url_stops_start_up(tmp_path):
    result = import_settings({"DATABASE_URL": "mysql//nope", "AMENDS_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr
