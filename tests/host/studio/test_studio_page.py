"""The studio's page in a real browser: Debian's chromium driven by Playwright for Python.

No browser is downloaded: chromium comes from Debian (`tools/bootstrap.sh test` installs it where it can
install Debian packages), and these tests skip, saying why, where it is missing. Screenshots go to
$KEYCOMPOSER_SCREENSHOTS when set (look at them), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from keycomposer.music.midi_io import read_midi
from keycomposer.studio.api import Studio
from keycomposer.studio.app import create_app
from keycomposer.studio.security import loopback_hosts
from keycomposer.studio.server import bind
from keycomposer.techniques import TECHNIQUES, installed

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN = "page-test-token"
WAIT_MS = 120_000  # the longest a step may take on a busy 2-core machine (generation included)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the test extra brings it
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install -e '.[test]')"),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium: apt-get install chromium (tools/bootstrap.sh test does)"),
]


def serve(studio: Studio):
    import uvicorn

    sock = bind(0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(studio, TOKEN, loopback_hosts(port)), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started and thread.is_alive():
        started.wait(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def studio_address(tmp_path_factory):
    yield from serve(Studio(library_root=tmp_path_factory.mktemp("studio-library")))


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("KEYCOMPOSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, address):
    context = browser.new_context(viewport={"width": 1100, "height": 1300}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{address}/?token={TOKEN}")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    yield page
    context.close()
    assert errors == [], f"the page's JavaScript failed: {errors}"


@pytest.fixture
def page(browser, studio_address):
    yield from open_page(browser, studio_address)


def message(page) -> str:
    return page.text_content("#message") or ""


def test_without_the_token_the_page_is_refused(browser, studio_address):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{studio_address}/")
    assert response.status == 403 and "token" in page.text_content("body")
    context.close()


def test_four_notes_on_the_computer_keys_become_the_input(page, shots):
    page.click("[data-tab=tab-keys]")
    page.click("#keys-record")
    for key in "zxcv":  # C3 D3 E3 F3, the terminal keyboard's keys
        page.keyboard.down(key)
        page.wait_for_function("document.querySelectorAll('.key.down').length === 1")
        page.keyboard.up(key)
    stats = page.evaluate("window.studioStats")
    assert stats["keysPlayed"] == 4 and "lastNoteStartedAt" in stats  # each press started a note
    page.click("#keys-stop")
    page.wait_for_function("document.getElementById('input-name').textContent.includes('studio take')",
                           timeout=WAIT_MS)
    assert page.get_attribute("#roll-input", "data-notes") == "4"
    page.screenshot(path=shots / "studio-take.png", full_page=True)


@pytest.mark.parametrize("name", sorted(TECHNIQUES))
def test_generate_draw_play_and_download(page, shots, tmp_path, name):
    if not installed(TECHNIQUES[name]):
        pytest.skip(f"{name}'s model is not installed in models_tflite/")
    page.select_option("#sample-select", "sample:ode_to_joy")
    page.click("#use-sample")
    page.wait_for_function("document.getElementById('input-name').textContent.includes('Ode')")
    page.select_option("#technique-select", name)
    quick = {"arcnn": ("iterations", "4"), "txl": ("seconds", "3"), "gan": ("style", "quartet")}[name]
    if name == "gan":
        page.select_option(f"#parameter-{quick[0]}", quick[1])
    else:
        page.fill(f"#parameter-{quick[0]}", quick[1])
    page.click("#generate")
    page.wait_for_function("document.getElementById('message').textContent.startsWith('saved generation')",
                           timeout=WAIT_MS)
    assert int(page.get_attribute("#roll-output", "data-notes")) > 0
    assert page.locator("#metrics tbody tr").count() >= 5
    page.screenshot(path=shots / f"studio-{name}.png", full_page=True)

    page.click("#play-output")
    page.wait_for_function("(window.studioStats.cursor_output || 0) > 0", timeout=WAIT_MS)
    assert page.text_content("#play-output").startswith("■")
    page.screenshot(path=shots / f"studio-{name}-playing.png")
    page.click("#play-output")
    assert page.text_content("#play-output").startswith("▶")

    with page.expect_download() as download:
        page.click("#download-midi")
    path = tmp_path / "download.mid"
    download.value.save_as(path)
    composition = read_midi(path)
    job = page.evaluate("window.studioStats.lastJob")
    assert job["technique"] == name and composition.note_count == int(page.get_attribute("#roll-output", "data-notes"))


def test_bad_input_is_a_message_on_the_page(page, shots, tmp_path):
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01")
    page.click("[data-tab=tab-upload]")
    page.set_input_files("#upload-file", str(broken))
    page.wait_for_function("document.getElementById('message').textContent.includes('truncated')")
    assert "Traceback" not in message(page)
    page.screenshot(path=shots / "studio-bad-upload.png")


def test_library_rename_and_delete_with_confirmation(page):
    page.select_option("#sample-select", "sample:twinkle")
    page.click("#use-sample")
    page.fill("#edit-transpose", "3")
    page.click("#edit-apply")
    page.wait_for_function("document.querySelector('#library tbody tr').textContent.includes('transpose +3')")
    row = page.locator("#library tbody tr").first
    entry_id = row.get_attribute("data-id")
    page.once("dialog", lambda dialog: dialog.accept("renamed in the page"))
    row.locator(".library-rename").click()
    page.wait_for_function(f"document.querySelector('#library tr[data-id=\"{entry_id}\"]').textContent"
                           ".includes('renamed in the page')")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "no": nothing is deleted
    page.locator(f"#library tr[data-id='{entry_id}'] .library-delete").click()
    assert page.locator(f"#library tr[data-id='{entry_id}']").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#library tr[data-id='{entry_id}'] .library-delete").click()
    page.wait_for_function(f"!document.querySelector('#library tr[data-id=\"{entry_id}\"]')")
    assert f"deleted #{entry_id}" in message(page)


def test_the_emulated_keyboard_played_from_the_page_appears_as_it_is_played(browser, tmp_path, shots):
    from keycomposer.studio.live_keyboard import EmulatedKeyboard, LiveKeyboard

    keyboard = LiveKeyboard(lambda: EmulatedKeyboard(realtime=True, interpreter="cpython"))
    studio = Studio(library_root=tmp_path / "library", keyboard=keyboard, keyboard_kind="emulated")
    for address in serve(studio):
        for page in open_page(browser, address):
            page.click("[data-tab=tab-device]")
            page.click("#device-record")
            page.wait_for_function("document.getElementById('device-status').textContent.startsWith('recording')",
                                   timeout=WAIT_MS)
            for count, key in enumerate("zcb", start=1):  # C3 E3 G3 through the firmware
                page.keyboard.down(key)
                # The note is in the take, and on the roll, while the key is still down.
                page.wait_for_function(f"document.getElementById('device-status').textContent.includes('{count} notes')"
                                       f" && document.getElementById('roll-input').dataset.notes === '{count}'",
                                       timeout=WAIT_MS)
                page.keyboard.up(key)
            page.screenshot(path=shots / "studio-emulated.png")
            page.click("#device-stop")
            page.wait_for_function("document.getElementById('message').textContent.includes('saved recording')",
                                   timeout=WAIT_MS)
            assert "3 notes" in message(page)
            assert page.get_attribute("#roll-input", "data-notes") == "3"


def test_a_model_you_trained_is_picked_and_run_on_the_page(browser, tmp_path, shots):
    import sys

    from keycomposer import model_catalog

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
    from trained_model_support import SHIPPED, arcnn_trained_from_the_shipped_one

    if not ((SHIPPED / "arcnn_bach.tflite").exists() and installed(TECHNIQUES["arcnn"])):
        pytest.skip("needs the shipped AR-CNN")
    data = tmp_path / "data"  # the studio's data folder: its library and the person's models
    model_catalog.install(*arcnn_trained_from_the_shipped_one("my-chorales"), data)
    for address in serve(Studio(library_root=data)):
        for page in open_page(browser, address):
            options = page.eval_on_selector_all("#technique-select option", "options => options.map(o => o.value)")
            assert options == sorted(TECHNIQUES, key=list(TECHNIQUES).index) + ["my-chorales"]
            page.select_option("#sample-select", "sample:ode_to_joy")
            page.click("#use-sample")
            page.wait_for_function("document.getElementById('input-name').textContent.includes('Ode')")
            page.select_option("#technique-select", "my-chorales")
            assert "your model, trained 2026-12-07T18:00:00Z" in page.text_content("#technique-description")
            page.fill("#parameter-iterations", "3")
            page.click("#generate")
            page.wait_for_function("document.getElementById('message').textContent.startsWith('saved generation')",
                                   timeout=WAIT_MS)
            assert int(page.get_attribute("#roll-output", "data-notes")) > 0
            assert page.evaluate("window.studioStats.lastJob")["technique"] == "my-chorales"
            page.screenshot(path=shots / "studio-your-model.png", full_page=True)


def test_a_training_run_is_shown_with_its_picture(browser, tmp_path, shots):
    import json

    from keycomposer.training import runs_folder

    data = tmp_path / "data"
    run = runs_folder(data) / "my-quartets"
    run.mkdir(parents=True)
    (run / "state.json").write_text(json.dumps({"technique": "gan", "step": 150, "seconds": 600, "history": [
        {"step": 150, "valid_cross_entropy": 3.25}]}))
    picture = Path(__file__).resolve().parents[3] / "models_tflite" / "arcnn_bach_curves.png"
    shutil.copyfile(picture, run / "curves.png")
    for address in serve(Studio(library_root=data)):
        for page in open_page(browser, address):
            row = page.wait_for_selector("#trainings tr[data-name=my-quartets]")
            assert "gan" in row.text_content() and "valid_cross_entropy 3.250" in row.text_content()
            assert "training" in row.text_content()
            page.click("#trainings tr[data-name=my-quartets] .training-show")
            page.wait_for_function("document.getElementById('training-picture').naturalWidth > 0")
            assert "my-quartets: step 150" in page.text_content("#training-caption")
            page.screenshot(path=shots / "studio-training.png", full_page=True)
