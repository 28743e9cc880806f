"""The studio's API through Starlette's test client: every route, the guard, bad input as one-line errors."""

from __future__ import annotations

import io

import mido
import pytest
from starlette.testclient import TestClient

from keycomposer.library.store import Library
from keycomposer.music.midi_io import MAX_FILE_BYTES, read_midi
from keycomposer.studio.api import Studio
from keycomposer.studio.app import ROUTES, create_app
from keycomposer.studio.live_keyboard import EmulatedKeyboard, KeyboardGone, LiveKeyboard
from keycomposer.studio.security import COOKIE
from keycomposer.techniques import TECHNIQUES, installed

TOKEN = "test-token"
HOST = "127.0.0.1:8765"


def make_client(tmp_path, keyboard=None, kind="") -> TestClient:
    studio = Studio(library_root=tmp_path / "library", keyboard=keyboard, keyboard_kind=kind)
    app = create_app(studio, TOKEN, frozenset({HOST}))
    return TestClient(app, base_url=f"http://{HOST}", headers={"authorization": f"token {TOKEN}"})


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path) as client:
        yield client


def midi_bytes(notes=((0, 60), (480, 62), (960, 64))) -> bytes:
    track = mido.MidiTrack()
    last = 0
    for start, pitch in notes:
        track.append(mido.Message("note_on", note=pitch, velocity=90, time=start - last))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=480))
        last = start + 480
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def upload(client, data=None, filename="tune.mid"):
    return client.post(f"/api/compositions?filename={filename}", content=midi_bytes() if data is None else data)


def assert_error(response, status, *words):
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message


# -- the guard -------------------------------------------------------------------------------------------

def test_requests_without_the_token_are_refused(tmp_path):
    with make_client(tmp_path) as client:
        for path in ("/", "/api/info", "/static/main.js", "/api/compositions"):
            response = client.get(path, headers={"authorization": ""})
            assert_error(response, 403, "token")


def test_a_wrong_token_is_refused(client):
    assert_error(client.get("/api/info", headers={"authorization": "token nope"}), 403, "wrong token")
    assert_error(client.get("/api/info?token=nope", headers={"authorization": ""}), 403, "wrong token")


def test_a_foreign_host_header_is_refused_even_with_the_token(client):
    for host in ("evil.example:8765", "127.0.0.1:9999", "localhost", ""):
        assert_error(client.get("/api/info", headers={"host": host}), 403, "Host header")


def test_a_request_from_another_origin_is_refused(client):
    response = client.post("/api/edits", json={}, headers={"origin": "http://evil.example"})
    assert_error(response, 403, "evil.example")
    assert client.get("/api/info", headers={"origin": f"http://{HOST}"}).status_code == 200


def test_the_page_opened_with_the_token_sets_the_cookie_that_later_requests_use(tmp_path):
    with make_client(tmp_path) as client:
        page = client.get(f"/?token={TOKEN}", headers={"authorization": ""})
        assert page.status_code == 200 and "keycomposer studio" in page.text
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        later = client.get("/static/main.js", headers={"authorization": ""})  # the cookie is in the client's jar
        assert later.status_code == 200 and "import" in later.text


def test_localhost_is_the_same_studio(tmp_path):
    studio = Studio(library_root=tmp_path / "library")
    from keycomposer.studio.security import loopback_hosts

    app = create_app(studio, TOKEN, loopback_hosts(8765))
    with TestClient(app, base_url="http://localhost:8765", headers={"authorization": f"token {TOKEN}"}) as client:
        assert client.get("/api/info").status_code == 200


@pytest.mark.parametrize("path", ["/static/../security.py", "/static/%2e%2e/security.py", "/static/..%2fapi.py",
                                  "/static/%2e%2e%2f%2e%2e%2fcli%2f__init__.py", "/static//etc/passwd"])
def test_static_files_cannot_escape_their_folder(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text


@pytest.mark.parametrize("spec", ["../../etc/passwd", "/etc/passwd", "tests/host/studio/test_studio_api.py",
                                  "sample:../x", "1/../2", "file:///etc/passwd", ""])
def test_an_input_is_never_a_path(client, spec):
    for response in (client.get("/api/music", params={"input": spec}),
                     client.post("/api/generations", json={"technique": "gan", "input": spec}),
                     client.post("/api/edits", json={"input": spec, "transpose": 1})):
        assert response.status_code in (400, 404), response.text
        assert "root:" not in response.text


def test_every_route_is_tested_here():
    """A new route must get a test: this lists the ones this file covers (the training runs' two: in
    test_studio_training.py)."""
    covered = {"/", "/api/info", "/api/samples", "/api/techniques", "/api/music", "/api/compositions",
               "/api/compositions/{entry_id}", "/api/compositions/{entry_id}/midi",
               "/api/compositions/{entry_id}/wav", "/api/edits", "/api/takes", "/api/generations",
               "/api/generations/{job_id}", "/api/keyboard/start", "/api/keyboard/keys", "/api/keyboard/take",
               "/api/keyboard/stop", "/static", "/api/trainings", "/api/trainings/{name}/picture"}
    assert {route.path for route in ROUTES} == covered


# -- what there is ---------------------------------------------------------------------------------------

def test_info_carries_the_terminal_keyboards_key_map_and_the_gm_names(client):
    from keycomposer.console_keyboard.keymap import NOTE_KEYS

    info = client.get("/api/info").json()
    assert info["keys"]["note_keys"] == NOTE_KEYS and info["keys"]["count"] == 32 and info["keys"]["lowest"] == 48
    assert info["instruments"][40] == "Violin" and len(info["instruments"]) == 128
    assert info["max_upload_bytes"] == 8 * 1024 * 1024
    assert info["keyboard"] is None


def test_samples_are_the_built_in_melodies(client):
    from keycomposer.music.samples import SAMPLES

    samples = client.get("/api/samples").json()
    assert sorted(sample["input"] for sample in samples) == sorted(f"sample:{name}" for name in SAMPLES)


def test_techniques_come_from_the_registry_with_defaults_ranges_and_help(client):
    techniques = {t["name"]: t for t in client.get("/api/techniques").json()}
    assert set(techniques) == set(TECHNIQUES)
    for name, technique in TECHNIQUES.items():
        sent = techniques[name]
        assert sent["installed"] == installed(technique)
        for parameter, view in zip(technique.parameters, sent["parameters"]):
            assert (view["name"], view["default"], view["help"], view["low"], view["high"]) == \
                (parameter.name, parameter.default, parameter.help, parameter.low, parameter.high)


def test_music_of_a_sample_has_notes_bar_lines_and_metrics(client):
    answer = client.get("/api/music", params={"input": "sample:twinkle"}).json()
    music = answer["music"]
    assert music["tracks"][0]["notes"][0] == [0, 480, 60, music["tracks"][0]["notes"][0][3]]
    assert music["bar_lines"][:3] == [0, 1920, 3840] and music["resolution"] == 480
    assert answer["metrics"]["overall"]["notes"] == music["note_count"]
    assert_error(client.get("/api/music", params={"input": "sample:nope"}), 404, "nope")
    assert_error(client.get("/api/music", params={"input": "999"}), 404, "999")


# -- the library -----------------------------------------------------------------------------------------

def test_upload_list_open_rename_delete(client):
    entry = upload(client).json()
    assert entry["kind"] == "import" and entry["name"] == "tune" and "path" not in entry
    listed = client.get("/api/compositions").json()
    assert [e["id"] for e in listed] == [entry["id"]]
    opened = client.get(f"/api/compositions/{entry['id']}").json()
    assert [n[2] for n in opened["music"]["tracks"][0]["notes"]] == [60, 62, 64]
    renamed = client.patch(f"/api/compositions/{entry['id']}", json={"name": "my tune"}).json()
    assert renamed["name"] == "my tune"
    assert_error(client.patch(f"/api/compositions/{entry['id']}", json={"name": "../etc"}), 400, "..")
    assert_error(client.patch(f"/api/compositions/{entry['id']}", json={"name": 5}), 400, "text")
    assert client.delete(f"/api/compositions/{entry['id']}").json() == {"deleted": entry["id"]}
    assert client.get("/api/compositions").json() == []
    assert_error(client.delete(f"/api/compositions/{entry['id']}"), 404, str(entry["id"]))


@pytest.mark.parametrize("path", ["/api/compositions/{}", "/api/compositions/{}/midi", "/api/compositions/{}/wav"])
@pytest.mark.parametrize("entry_id", ["424242", "abc", "-1"])
def test_an_unknown_id_is_a_message(client, path, entry_id):
    assert_error(client.get(path.format(entry_id)), 404)


@pytest.mark.parametrize("data, words", [
    (b"", ["empty"]),
    (b"garbage that is no midi", ["not a MIDI file"]),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01", ["truncated"]),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x00\x10\x00\x90", ["truncated"]),
    (b"MThd\x00\x00\x00\x06\x00\x02\x00\x01\x01\xe0", ["type 2"]),
])
def test_broken_uploads_are_refused_with_a_message_and_nothing_saved(client, data, words):
    assert_error(upload(client, data), 400, *words)
    assert client.get("/api/compositions").json() == []


def test_an_upload_over_8_mib_is_refused_before_it_is_read(client):
    big = midi_bytes() + b"\0" * MAX_FILE_BYTES
    assert_error(upload(client, big), 413, "8 MiB")

    def chunks():  # no Content-Length: refused while streaming
        for _ in range(9):
            yield b"\0" * (1024 * 1024)

    assert_error(client.post("/api/compositions?filename=x.mid", content=chunks()), 413, "8 MiB")
    assert client.get("/api/compositions").json() == []


def test_an_upload_named_like_a_path_keeps_a_safe_name(client):
    entry = upload(client, filename="..%2F..%2Fetc%2Fpasswd.mid").json()
    assert "/" not in entry["name"] and ".." not in entry["name"]
    assert "/" not in entry["source"].removeprefix("upload:")


def test_midi_download_reads_back_as_the_entry(client, tmp_path):
    entry = upload(client).json()
    response = client.get(f"/api/compositions/{entry['id']}/midi")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/midi"
    assert 'filename="tune.mid"' in response.headers["content-disposition"]
    (tmp_path / "back.mid").write_bytes(response.content)
    assert [n.pitch for n in read_midi(tmp_path / "back.mid").tracks[0].notes] == [60, 62, 64]


def test_wav_download_is_rendered_by_fluidsynth_or_says_how_to_install_it(client):
    import shutil

    from keycomposer.music.synth import RenderError, find_soundfont

    entry = upload(client).json()
    response = client.get(f"/api/compositions/{entry['id']}/wav")
    try:
        find_soundfont()
        ready = shutil.which("fluidsynth") is not None
    except RenderError:
        ready = False
    if ready:
        assert response.status_code == 200 and response.content[:4] == b"RIFF" and response.content[8:12] == b"WAVE"
    else:
        assert_error(response, 503, "apt-get install")


# -- making music ----------------------------------------------------------------------------------------

def test_edits_save_a_new_composition_and_keep_the_original(client, tmp_path):
    original = upload(client).json()
    edited = client.post("/api/edits", json={"input": str(original["id"]), "transpose": 2, "quantize": 4,
                                             "strength": 0.5, "bpm": 90, "instrument": 40}).json()
    assert edited["kind"] == "edit" and edited["source"] == str(original["id"])
    assert edited["parameters"]["edits"] == ["quantize 1/16 x0.5", "transpose +2", "instrument 40", "tempo 90 BPM"]
    with Library(tmp_path / "library") as library:
        assert [n.pitch for n in library.load(edited["id"]).tracks[0].notes] == [62, 64, 66]
        assert library.load(edited["id"]).tracks[0].program == 40
        assert [n.pitch for n in library.load(original["id"]).tracks[0].notes] == [60, 62, 64]
    one_track = client.post("/api/edits", json={"input": str(original["id"]), "instrument": 73, "track": 0}).json()
    assert one_track["parameters"]["edits"] == ["instrument 73"]
    assert_error(client.post("/api/edits", json={"input": "sample:twinkle"}), 400, "choose at least one edit")
    assert_error(client.post("/api/edits", json={"input": "sample:twinkle", "transpose": 100}), 400, "transpose")
    assert_error(client.post("/api/edits", json={"input": "sample:twinkle", "instrument": 300}), 400, "0..127")
    assert_error(client.post("/api/edits", json={"input": "sample:twinkle", "instrument": 1, "track": 5}), 400, "track 5")
    assert_error(client.post("/api/edits", content=b"{not json", headers={"content-type": "application/json"}),
                 400, "not JSON")


def test_a_take_from_the_page_keyboard_is_saved_as_a_recording(client, tmp_path):
    events = [[0, 60, 100], [400, 60, 0], [500, 64, 100], [900, 64, 0], [1000, 67, 90], [1500, 67, 0]]
    entry = client.post("/api/takes", json={"events": events, "bpm": 120}).json()
    assert entry["kind"] == "recording"
    with Library(tmp_path / "library") as library:
        notes = library.load(entry["id"]).tracks[0].notes
    assert [(n.start, n.pitch, n.duration) for n in notes] == [(0, 60, 384), (480, 64, 384), (960, 67, 480)]
    assert_error(client.post("/api/takes", json={"events": []}), 400, "no notes")
    assert_error(client.post("/api/takes", json={"events": [[0, 200, 100]]}), 400, "pitch")
    assert_error(client.post("/api/takes", json={"events": [["x"]]}), 400, "time_ms")


def test_generation_errors_are_messages(client, monkeypatch, tmp_path):
    assert_error(client.post("/api/generations", json={"technique": "nope", "input": "sample:twinkle"}), 404, "nope")
    assert_error(client.post("/api/generations", json={"technique": "gan", "input": "sample:twinkle",
                                                       "parameters": {"style": "jazz"}}), 400, "style", "bach")
    assert_error(client.post("/api/generations", json={"technique": "gan", "input": "sample:twinkle",
                                                       "parameters": {"seconds": 3}}), 400, "not a parameter")
    assert_error(client.post("/api/generations", json={"technique": "txl", "input": "sample:twinkle",
                                                       "parameters": {"seconds": 99}}), 400, "0.5..30")
    assert_error(client.post("/api/generations", json={"technique": "gan", "input": "77"}), 404, "77")
    assert_error(client.get("/api/generations/999"), 404, "999")
    assert_error(client.get("/api/generations/abc"), 404)
    monkeypatch.setenv("KEYCOMPOSER_MODELS_DIR", str(tmp_path / "no-models"))
    assert_error(client.post("/api/generations", json={"technique": "arcnn", "input": "sample:twinkle"}),
                 409, "not installed", "arcnn_bach.tflite")
    assert client.get("/api/techniques").json()[0]["installed"] is False


# Small settings, so each model runs briefly; the parameters are the registry's own.
QUICK = {"arcnn": {"iterations": "4"}, "gan": {"style": "quartet"}, "txl": {"seconds": "2"}}


@pytest.mark.parametrize("name", sorted(TECHNIQUES))
def test_generate_saves_the_result_as_generate_does(client, tmp_path, name):
    if not installed(TECHNIQUES[name]):
        pytest.skip(f"{name}'s model is not installed in models_tflite/")
    job = client.post("/api/generations", json={"technique": name, "input": "sample:ode_to_joy",
                                                "parameters": QUICK[name], "seed": 3})
    assert job.status_code == 202, job.text
    done = client.get(f"/api/generations/{job.json()['id']}?wait=10").json()
    while done["state"] == "running":
        done = client.get(f"/api/generations/{job.json()['id']}?wait=10").json()
    assert done["state"] == "done", done["error"]
    assert done["model_seconds"] > 0
    entry = client.get(f"/api/compositions/{done['result_id']}").json()["entry"]
    assert entry["kind"] == "generation" and entry["model"] == name and entry["source"] == "sample:ode_to_joy"
    expected = TECHNIQUES[name].defaults() | {k.replace("-", "_"): TECHNIQUES[name].parameters[
        [p.name for p in TECHNIQUES[name].parameters].index(k)].parse(v) for k, v in QUICK[name].items()}
    assert entry["parameters"] == expected | {"seed": 3}
    if name in ("arcnn", "txl"):  # the progress bars' steps reached the page
        assert done["done"] > 0 and done["step"]


def test_a_failing_generation_is_a_message(client, monkeypatch):
    from keycomposer.models.runtime import ModelFileError

    technique = TECHNIQUES["gan"]
    if not installed(technique):
        pytest.skip("the GAN's model is not installed")

    def broken(*args, **kwargs):
        raise ModelFileError("gan_bach.tflite does not match the sha256 in its card")

    monkeypatch.setattr("keycomposer.models.gan.accompany", broken)
    job = client.post("/api/generations", json={"technique": "gan", "input": "sample:twinkle"}).json()
    done = client.get(f"/api/generations/{job['id']}?wait=10").json()
    assert done["state"] == "failed" and "sha256" in done["error"] and "Traceback" not in done["error"]
    assert client.get("/api/compositions").json() == []  # a failed run saves nothing


# -- the keyboard ----------------------------------------------------------------------------------------

def test_without_a_keyboard_the_keyboard_routes_say_so(client):
    for method, path in (("post", "/api/keyboard/start"), ("post", "/api/keyboard/keys"),
                         ("get", "/api/keyboard/take"), ("post", "/api/keyboard/stop")):
        assert_error(getattr(client, method)(path, **({"json": {}} if method == "post" else {})), 409, "no keyboard")


class FakeSource:
    """A keyboard that sends what it is given, then goes away (unplugged) when told."""

    name = "fake keyboard"
    playable = False

    def __init__(self):
        self.pending = []
        self.unplugged = False
        self.closed = False

    def poll(self):
        if self.unplugged:
            raise KeyboardGone("fake keyboard disappeared (unplugged?)")
        taken, self.pending = self.pending, []
        return taken

    def key(self, key, down, velocity):
        raise KeyboardGone("played on the keyboard itself")

    button = key

    def close(self):
        self.closed = True


def test_a_keyboard_unplugged_while_recording_keeps_the_take(tmp_path):
    source = FakeSource()
    keyboard = LiveKeyboard(lambda: source, background=False)
    with make_client(tmp_path, keyboard, "linked") as client:
        assert client.post("/api/keyboard/start", json={"bpm": 120}).json()["state"] == "recording"
        source.pending = [(0, mido.Message("note_on", note=60, velocity=100)),
                          (500_000, mido.Message("note_off", note=60)),
                          (500_000, mido.Message("note_on", note=64, velocity=100))]
        take = client.get("/api/keyboard/take").json()
        assert take["state"] == "recording" and [n[2] for n in take["music"]["tracks"][0]["notes"]] == [60, 64]
        assert_error(client.post("/api/keyboard/keys", json={"key": 0, "down": True}), 409, "itself")
        source.unplugged = True
        take = client.get("/api/keyboard/take").json()
        assert take["state"] == "ended" and "went away" in take["ended_by"] and source.closed
        saved = client.post("/api/keyboard/stop").json()
        assert saved["saved"]["kind"] == "recording" and "unplugged" in saved["saved"]["parameters"]["ended_by"]
        assert saved["saved"]["metrics"]["overall"]["notes"] == 2


def test_a_keyboard_that_cannot_be_found_is_a_message(tmp_path):
    def missing():
        raise KeyboardGone("no MIDI port named like 'keycomposer': is the keyboard plugged in?")

    with make_client(tmp_path, LiveKeyboard(missing, background=False), "linked") as client:
        assert_error(client.post("/api/keyboard/start", json={}), 409, "plugged in")
        assert_error(client.post("/api/keyboard/stop"), 400, "no notes")


def test_the_emulated_keyboard_records_what_the_page_plays(tmp_path):
    """The page's keys close the emulated keyboard's contacts; the firmware's MIDI comes back into the take
    (virtual time: nothing waits on the wall clock)."""
    keyboard = LiveKeyboard(lambda: EmulatedKeyboard(realtime=False, interpreter="cpython"), background=False)
    with make_client(tmp_path, keyboard, "emulated") as client:
        assert client.get("/api/info").json()["keyboard"] == "emulated"
        assert client.post("/api/keyboard/start", json={}).json()["source"].startswith("emulated keyboard")
        for key in (0, 4, 7):
            assert client.post("/api/keyboard/keys", json={"key": key, "down": True}).status_code == 200
            client.get("/api/keyboard/take")
            assert client.post("/api/keyboard/keys", json={"key": key, "down": False}).status_code == 200
        # Pressed twice, let go twice (mouse and computer key at once): one note, the take goes on.
        for down in (True, True, False, False):
            assert client.post("/api/keyboard/keys", json={"key": 2, "down": down}).status_code == 200
        assert client.get("/api/keyboard/take").json()["state"] == "recording"
        assert client.post("/api/keyboard/keys", json={"button": "octave_up"}).status_code == 200
        client.post("/api/keyboard/keys", json={"key": 0, "down": True})
        client.post("/api/keyboard/keys", json={"key": 0, "down": False})
        take = client.get("/api/keyboard/take").json()
        assert [n[2] for n in take["music"]["tracks"][0]["notes"]] == [48, 52, 55, 50, 60]
        assert_error(client.post("/api/keyboard/keys", json={"key": 40, "down": True}), 400, "0..31")
        assert_error(client.post("/api/keyboard/keys", json={"button": "explode"}), 400, "explode")
        saved = client.post("/api/keyboard/stop").json()["saved"]
        assert saved["kind"] == "recording" and saved["metrics"]["overall"]["notes"] == 5


def test_a_linked_keyboard_on_a_missing_port_is_a_message(tmp_path):
    import argparse

    from keycomposer.device.connect import open_transport
    from keycomposer.studio.live_keyboard import LinkedKeyboard

    options = argparse.Namespace(emulator=False, port="no such keyboard port", serial=None)
    keyboard = LiveKeyboard(lambda: LinkedKeyboard(open_transport(options)), background=False)
    with make_client(tmp_path, keyboard, "linked") as client:
        assert_error(client.post("/api/keyboard/start", json={}), 409, "no such keyboard port")


def test_a_bug_of_ours_is_one_line_on_the_page_not_a_stack_trace(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug\nwith two lines")

    monkeypatch.setattr("keycomposer.studio.api.composition_view", broken)
    app = create_app(Studio(library_root=tmp_path / "library"), TOKEN, frozenset({HOST}))
    with TestClient(app, base_url=f"http://{HOST}", headers={"authorization": f"token {TOKEN}"},
                    raise_server_exceptions=False) as client:
        response = client.get("/api/music", params={"input": "sample:twinkle"})
    assert_error(response, 500, "RuntimeError", "a bug with two lines", "terminal")
    assert response.headers["content-type"] == "application/json"


# -- models the person trained (issue 31) -------------------------------------------------------------------

def test_your_trained_models_are_offered_beside_the_techniques_and_run_by_name(client, tmp_path):
    import sys
    from pathlib import Path

    from keycomposer import model_catalog

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
    from trained_model_support import SHIPPED, TOY, arcnn_trained_from_the_shipped_one, trained_card

    data = tmp_path / "library"  # the studio's data folder: its library and the person's models
    model_catalog.install(TOY, trained_card("my-band", TOY, technique="gan"), data)
    offered = {t["name"]: t for t in client.get("/api/techniques").json()}
    assert set(offered) == set(TECHNIQUES) | {"my-band"}  # the GAN takes a model of yours too
    assert (offered["my-band"]["technique"], offered["my-band"]["yours"]) == ("gan", True)
    assert_error(client.post("/api/generations", json={"technique": "nope", "input": "sample:twinkle"}),
                 404, "no model called 'nope'", "yours are my-band")
    if not ((SHIPPED / "arcnn_bach.tflite").exists() and installed(TECHNIQUES["arcnn"])):
        pytest.skip("needs the shipped AR-CNN")
    model_catalog.install(*arcnn_trained_from_the_shipped_one("my-chorales"), data)
    offered = {t["name"]: t for t in client.get("/api/techniques").json()}
    mine = offered["my-chorales"]
    assert (mine["technique"], mine["yours"], mine["installed"]) == ("arcnn", True, True)
    assert [p["name"] for p in mine["parameters"]] == [p["name"] for p in offered["arcnn"]["parameters"]]
    job = client.post("/api/generations", json={"technique": "my-chorales", "input": "sample:twinkle",
                                                "parameters": {"iterations": "2"}, "seed": 5})
    assert job.status_code == 202, job.text
    done = client.get(f"/api/generations/{job.json()['id']}?wait=10").json()
    while done["state"] == "running":
        done = client.get(f"/api/generations/{job.json()['id']}?wait=10").json()
    assert done["state"] == "done", done["error"]
    entry = client.get(f"/api/compositions/{done['result_id']}").json()["entry"]
    assert (entry["model"], entry["parameters"]["iterations"]) == ("my-chorales", 2)


def test_a_gan_of_yours_generates_in_the_studio_by_name(client, tmp_path):
    import sys
    from pathlib import Path

    from keycomposer import model_catalog

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
    from trained_model_support import SHIPPED, trained_from_the_shipped_one

    if not ((SHIPPED / "gan_quartet.tflite").exists() and installed(TECHNIQUES["gan"])):
        pytest.skip("needs the shipped GAN")
    model_catalog.install(*trained_from_the_shipped_one("gan_quartet", "my-strings", "gan"), tmp_path / "library")
    job = client.post("/api/generations", json={"technique": "my-strings", "input": "sample:twinkle", "seed": 5})
    assert job.status_code == 202, job.text
    done = client.get(f"/api/generations/{job.json()['id']}?wait=10").json()
    while done["state"] == "running":
        done = client.get(f"/api/generations/{job.json()['id']}?wait=10").json()
    assert done["state"] == "done", done["error"]
    entry = client.get(f"/api/compositions/{done['result_id']}").json()["entry"]
    assert entry["model"] == "my-strings"
