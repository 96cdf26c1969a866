"""The README's first command works in a fresh clone of the repository with only `python3` on PATH.

`make demo` must create its own virtual environment, install, migrate, compile the catalogues,
seed and serve on PORT, with e-mail links following that port. The clone is of the committed
tree (HEAD), as a new user gets it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Installing the requirements into a new environment and seeding can be slow on a loaded machine.
SERVE_TIMEOUT_SECONDS = 900


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def python3_only_path(bin_dir: Path) -> str:
    """A PATH with `python3` (this interpreter) first, then the system folders, and no `python`."""
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(os.path.realpath(sys.executable))
    system = [folder for folder in ("/usr/local/bin", "/usr/bin", "/bin") if Path(folder).is_dir()]
    for folder in system:
        assert not (Path(folder) / "python").exists() or folder == "/usr/local/bin", (
            f"{folder}/python exists: this machine cannot show a python3-only PATH"
        )
    return os.pathsep.join([str(bin_dir), *system])


def test_make_demo_in_a_fresh_clone_with_only_python3(tmp_path):
    for tool in ("git", "make"):
        assert shutil.which(tool), f"{tool} is needed for this test (apt-get install {tool})"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(BASE_DIR), str(clone)], check=True)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        in {"HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CACHE_DIR"}
    }
    env.update({"PATH": python3_only_path(tmp_path / "bin"), "PORT": str(port)})
    log_path = tmp_path / "make-demo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "demo"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = f"http://127.0.0.1:{port}/accounts/login/"
        deadline = time.monotonic() + SERVE_TIMEOUT_SECONDS
        page = ""
        while time.monotonic() < deadline:
            assert process.poll() is None, (
                "make demo stopped:\n" + log_path.read_text(errors="replace")[-4000:]
            )
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    page = response.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)  # polling for the server to come up, not a wait for a fixed time
        assert page, f"nothing served on port {port}:\n" + log_path.read_text(errors="replace")[-4000:]
        assert 'name="password"' in page
        output = log_path.read_text(errors="replace")
        assert (clone / ".venv" / "bin" / "python").exists()
        assert "No hostname was supplied" not in output
        assert f"http://127.0.0.1:{port}" in output  # the address the demo is at, as make demo says
        # Links in e-mails follow the port the demo runs on.
        site_url = (
            subprocess.run(
                [
                    ".venv/bin/python",
                    "manage.py",
                    "shell",
                    "-c",
                    "from django.conf import settings; print(settings.SITE_URL)",
                ],
                cwd=clone,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        assert site_url == f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
