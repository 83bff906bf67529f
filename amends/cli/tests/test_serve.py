"""`amends serve` really serves: a fresh var/ directory, migrate, collectstatic, serve, fetch."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_it_serves_the_admin_and_its_static_files_from_a_fresh_var_directory(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(AMENDS_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="amends.settings")
    amends = [sys.executable, "-m", "amends"]
    subprocess.run([*amends, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([*amends, "collectstatic", "--noinput", "-v0"], env=env, check=True, timeout=120)
    port = free_port()
    server = subprocess.Popen(
        [*amends, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        html = page.read().decode()
        assert page.status == 200 and 'name="csrfmiddlewaretoken"' in html
        css = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=5
        )
        assert css.status == 200
        console = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        html = console.read().decode()
        assert console.url.endswith("/console/login/?next=/console/")
        # htmx is served by amends itself (from the pinned django-htmx package), never a CDN.
        script = html[html.index("django_htmx/") : html.index('"', html.index("django_htmx/"))]
        assert (
            urllib.request.urlopen(f"http://127.0.0.1:{port}/static/{script}", timeout=5).status
            == 200
        )
        assert "cdn" not in html.lower() and "https://" not in html
        assert (tmp_path / "var" / "secrets.json").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        server.wait(timeout=10)
