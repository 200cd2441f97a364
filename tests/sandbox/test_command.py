"""``backstep sandbox`` as a person runs it: prints the URL, serves the page, stops on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

# A guard against hanging forever, not a performance requirement.
HANG_GUARD_SECONDS = 60
URL = re.compile(r"open (http://127\.0\.0\.1:\d+/) in your browser")


def backstep() -> list[str]:
    script = Path(sys.executable).with_name("backstep")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def launch(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTEP_")}
    env["BACKSTEP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'sandbox.db'}"
    env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(
        [*backstep(), "sandbox", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_lines(stream: object, into: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)
    into.put(None)


def wait_for_url(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> str:
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=HANG_GUARD_SECONDS)
        except queue.Empty:
            process.kill()
            raise AssertionError(f"no URL printed; output so far: {''.join(seen)}") from None
        if line is None:
            raise AssertionError(f"exited without a URL: {''.join(seen)}{process.stderr.read()}")  # type: ignore[union-attr]
        seen.append(line)
        if found := URL.search(line):
            return found.group(1)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_sandbox_prints_its_url_serves_the_page_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    process = launch(tmp_path, "--port", "0", "--speed", "60")
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        url = wait_for_url(process, lines)
        with urllib.request.urlopen(url, timeout=HANG_GUARD_SECONDS) as response:
            assert response.status == 200
            assert "Backstep sandbox" in response.read().decode()
        with urllib.request.urlopen(f"{url}_sandbox/info", timeout=HANG_GUARD_SECONDS) as info:
            assert b'"speed": 60.0' in info.read()
        process.send_signal(stop)
        assert process.wait(timeout=HANG_GUARD_SECONDS) == 0
    finally:
        if process.poll() is None:
            process.kill()
    rest = []
    while (line := lines.get(timeout=HANG_GUARD_SECONDS)) is not None:
        rest.append(line)
    assert "sandbox stopped" in "".join(rest)
    stderr = process.stderr.read()  # type: ignore[union-attr]
    assert "Traceback" not in stderr, stderr
    assert (tmp_path / "sandbox.db").exists(), "the bot used the configured database"


def test_a_taken_port_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = launch(tmp_path, "--port", str(port))
        _, err = process.communicate(timeout=HANG_GUARD_SECONDS)
    assert process.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    assert "Traceback" not in err


def test_a_speed_that_is_not_a_positive_number_is_refused(tmp_path: Path) -> None:
    process = launch(tmp_path, "--speed", "0")
    _, err = process.communicate(timeout=HANG_GUARD_SECONDS)
    assert process.returncode == 2
    assert "--speed" in err and "above 0" in err
