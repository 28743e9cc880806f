"""`keycomposer studio` as a person runs it: it prints its address with the token, serves the page there
and nowhere else, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from keycomposer.cli import build_parser


def test_the_command_takes_its_options():
    args = build_parser().parse_args(["studio", "--port", "8899", "--no-browser", "--emulator"])
    assert (args.port, args.no_browser, args.emulator) == (8899, True, True)


def test_a_port_out_of_range_is_refused(capsys):
    from keycomposer.cli import main

    assert main(["studio", "--port", "70000", "--no-browser"]) == 1
    assert "--port must be in range 0..65535" in capsys.readouterr().err


def test_it_serves_at_the_printed_address_and_stops_on_ctrl_c(tmp_path):
    env = dict(os.environ, KEYCOMPOSER_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "keycomposer", "studio", "--no-browser"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:(\d+))/\?token=([\w-]+)", line)
        assert match, f"no address in {line!r}; stderr: {process.stderr.read() if process.poll() is not None else ''}"
        base, token = match.group(1), match.group(3)
        with urllib.request.urlopen(f"{base}/?token={token}", timeout=30) as response:
            assert response.status == 200 and b"keycomposer studio" in response.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/info", timeout=30)
        assert refused.value.code == 403
        request = urllib.request.Request(f"{base}/api/info", headers={"Host": f"evil.example:{match.group(2)}",
                                                                      "Authorization": f"token {token}"})
        with pytest.raises(urllib.error.HTTPError) as rebinding:
            urllib.request.urlopen(request, timeout=30)
        assert rebinding.value.code == 403
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "stopped" in err
