"""Makes docs/studio.png, the README's picture of the studio: Ode to Joy with the GAN's quartet.

    python tools/studio_screenshot.py [--out docs/studio.png]

Runs the studio on a temporary library, drives the page in Debian's chromium (Playwright), and keeps the
picture small (a 64-colour PNG through Pillow, when it is installed).
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
import threading
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from keycomposer.studio.api import Studio
from keycomposer.studio.app import create_app
from keycomposer.studio.security import loopback_hosts, new_token
from keycomposer.studio.server import bind

ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/studio.png")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("studio_screenshot: no chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as library:
        sock = bind(0)
        port, token = sock.getsockname()[1], new_token()
        server = uvicorn.Server(uvicorn.Config(create_app(Studio(Path(library)), token, loopback_hosts(port)),
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            threading.Event().wait(0.05)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1500})
            page.goto(f"http://127.0.0.1:{port}/?token={token}")
            page.wait_for_selector("body[data-ready=true]")
            page.select_option("#sample-select", "sample:ode_to_joy")
            page.click("#use-sample")
            page.wait_for_function("document.getElementById('input-name').textContent.includes('Ode')")
            page.select_option("#technique-select", "gan")
            page.select_option("#parameter-style", "quartet")
            page.click("#generate")
            page.wait_for_function("document.getElementById('message').textContent.startsWith('saved generation')",
                                   timeout=120_000)
            picture = page.screenshot(full_page=False, clip={"x": 0, "y": 0, "width": 1000, "height": 1500})
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)
    try:
        from PIL import Image

        image = Image.open(io.BytesIO(picture)).convert("RGB").quantize(64)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
        picture = buffer.getvalue()
    except ImportError:
        pass  # the full-colour PNG, larger
    Path(args.out).write_bytes(picture)
    print(f"wrote {args.out} ({len(picture) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
