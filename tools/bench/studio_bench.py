"""Benchmark: the studio's figures, each beside its target, measured in one run on this machine.

    python tools/bench/studio_bench.py            # every installed technique, model defaults made small
    python tools/bench/studio_bench.py --repeat 5

- Page usable after the server starts: `keycomposer studio --no-browser` is started as a person starts it;
  from the moment it prints its address (it is listening), chromium (launched beforehand, as a person's
  browser is already running) loads the page until the page says it is ready (samples, techniques,
  library and the first input drawn). The process's own start-up (Python imports) is printed beside it.
- A generation's round trip: what the page does (POST the generation, then wait for it; the answer
  carries the saved result to draw) timed from outside, beside the model's own time that
  generation.generate measures, for each technique. The difference is split into saving the result as
  `generate` saves it (metrics, the durable write: the command line pays it too) and the studio's own
  share (HTTP, the job's thread, the answer's JSON).
- The on-screen keyboard: from the key event's timestamp to the note's oscillator started, in the page
  (performance.now() - event.timeStamp), beside one frame at 60 Hz.
Needs Debian's chromium and Playwright (`tools/bootstrap.sh test`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from keycomposer.techniques import TECHNIQUES, installed

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Small settings so the bench takes seconds; the overhead does not depend on them.
QUICK = {"arcnn": {"iterations": "20"}, "gan": {}, "txl": {"tokens": "64"}}
FRAME_MS = 1000 / 60


def start_studio(data_dir: str):
    env = dict(os.environ, KEYCOMPOSER_DATA_DIR=data_dir, PYTHONUNBUFFERED="1")
    spawned = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "keycomposer", "studio", "--no-browser"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    listening = time.perf_counter()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=([\w-]+)", line)
    if not match:
        process.kill()
        raise SystemExit(f"studio_bench: `keycomposer studio` printed {line!r}, no address")
    return process, match.group(1), match.group(2), listening - spawned, listening


def call(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                     headers={"authorization": f"token {token}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def round_trip(base: str, token: str, technique: str) -> tuple[float, float, float]:
    """(the page's round trip, the model's own time, the save's time) for one generation, in seconds."""
    started = time.perf_counter()
    job = call(base, token, "POST", "/api/generations",
               {"technique": technique, "input": "sample:ode_to_joy", "parameters": QUICK[technique], "seed": 1})
    while job["state"] == "running":
        job = call(base, token, "GET", f"/api/generations/{job['id']}?wait=10")
    if job["state"] != "done":
        raise SystemExit(f"studio_bench: {technique} failed: {job['error']}")
    return time.perf_counter() - started, job["model_seconds"], job["save_seconds"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("studio_bench: no chromium (apt-get install chromium)")
    page_ms, launch_ms, startup_s, key_ms = [], [], [], []
    rows = {name: [] for name, technique in TECHNIQUES.items() if installed(technique)}
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as data_dir:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for _ in range(args.repeat):
            page = browser.new_page()  # the tab is open before the server starts, as webbrowser.open finds it
            process, base, token, startup, listening = start_studio(data_dir)
            try:
                page.goto(f"{base}/?token={token}")
                page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                page_ms.append((time.perf_counter() - listening) * 1000)
                launch_ms.append(page_ms[-1] + startup * 1000)
                startup_s.append(startup)
                for key in "zxcv":
                    page.keyboard.down(key)
                    key_ms.append(page.evaluate("window.studioStats.lastKeyLatencyMs"))
                    page.keyboard.up(key)
                page.close()
                for name in rows:
                    rows[name].append(round_trip(base, token, name))
            finally:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=60)
        browser.close()

    print(f"studio figures, median of {args.repeat} runs (this machine; shared, noisy)")
    print(f"{'figure':<44} {'measured':>12} {'target':>12}")
    print(f"{'page usable after the server listens':<44} {statistics.median(page_ms):>9.0f} ms {'< 1000 ms':>12}")
    print(f"{'  (process start-up before it listens)':<44} {statistics.median(startup_s) * 1000:>9.0f} ms")
    print(f"{'  (page usable after the command is typed)':<44} {statistics.median(launch_ms):>9.0f} ms")
    print(f"{'key press to note started':<44} {statistics.median(key_ms):>9.1f} ms "
          f"{'< ' + format(FRAME_MS, '.1f') + ' ms':>12}")
    print()
    print(f"{'technique':<10} {'round trip':>12} {'model':>12} {'overhead':>12} {'of it: save':>12} "
          f"{'studio':>12} {'target':>12}")
    for name, runs in rows.items():
        trip, model = (statistics.median(r[i] for r in runs) for i in (0, 1))
        overhead = statistics.median(r[0] - r[1] for r in runs)
        save = statistics.median(r[2] for r in runs)
        studio = statistics.median(r[0] - r[1] - r[2] for r in runs)
        print(f"{name:<10} {trip * 1000:>9.0f} ms {model * 1000:>9.0f} ms {overhead * 1000:>9.0f} ms "
              f"{save * 1000:>9.0f} ms {studio * 1000:>9.0f} ms {'< 100 ms':>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
