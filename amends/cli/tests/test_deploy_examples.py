"""The deployment examples in deploy/ stay true: every amends command they run exists and takes
the options they give it, the systemd units pass `systemd-analyze verify`, and the compose file
runs migrations once before the web, the workers and a single beat."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def amends_command_lines() -> list[list[str]]:
    """Every amends command line of the examples, as argument lists."""
    lines: list[list[str]] = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for match in re.finditer(r"^ExecStart=(\S*amends) (.+)$", unit.read_text(), re.M):
            lines.append(shlex.split(match.group(2).replace("%i", "8000").replace("%H", "h")))
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    for service in compose["services"].values():
        command = service.get("command") or []
        if command[:1] == ["amends"]:
            lines.append(command[1:])
        elif command[:2] == ["sh", "-c"]:
            for part in command[2].split("&&"):
                words = shlex.split(part.replace("exec ", ""))
                if words[:1] == ["amends"]:
                    lines.append(words[1:])
    cmd = re.search(r"^CMD (\[.+\])$", (DEPLOY / "Dockerfile").read_text(), re.M)
    assert cmd
    lines.append(yaml.safe_load(cmd.group(1))[1:])
    return lines


def test_every_amends_command_in_the_examples_exists_with_its_options():
    lines = amends_command_lines()
    assert {line[0] for line in lines} >= {"serve", "worker", "beat", "migrate", "backup"}
    commands = get_commands()
    for name, *arguments in lines:
        assert name in commands, name
        parser = load_command_class(commands[name], name).create_parser("amends", name)
        parser.parse_args(arguments)  # exits (SystemExit) on an unknown option


def test_the_compose_file_migrates_once_then_starts_web_workers_and_one_beat():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["environment"]["AMENDS_ENV"] == "production"
    assert services["migrate"]["command"] == ["amends", "migrate", "--noinput"]
    assert "--no-jobs" in services["web"]["command"][2]  # the jobs run in the workers
    assert "deploy: " not in str(services["beat"])  # beat is not scaled


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_systemd_units_verify(tmp_path):
    venv = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "amends"
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text().replace("/srv/amends/.venv/bin/amends", str(venv))
        text = text.replace("/srv/amends", str(tmp_path))
        (tmp_path / unit.name).write_text(text)
    units = [
        str(tmp_path / name)
        for name in (
            "amends-web@8000.service",
            "amends-worker@1.service",
            "amends-beat.service",
            "amends-backup.service",
            "amends-backup.timer",
        )
    ]
    done = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
