"""The studio's training panel through its API: the person's runs as the trainers leave them, and their pictures."""

from __future__ import annotations

import json
import os
import time
import zlib
import struct

from starlette.testclient import TestClient

from keycomposer.studio.api import Studio
from keycomposer.studio.app import create_app
from keycomposer.training import runs_folder

TOKEN = "test-token"
HOST = "127.0.0.1:8765"


def client_for(data_dir) -> TestClient:
    app = create_app(Studio(library_root=data_dir), TOKEN, frozenset({HOST}))
    return TestClient(app, base_url=f"http://{HOST}", headers={"authorization": f"token {TOKEN}"})


def png(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def a_run(data_dir, name, state, picture=True):
    folder = runs_folder(data_dir) / name
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(state if isinstance(state, str) else json.dumps(state))
    if picture:
        (folder / "curves.png").write_bytes(png())
    return folder


STATE = {"technique": "arcnn", "step": 400, "seconds": 95.0,
         "history": [{"step": 200, "train_loss": 2.5, "valid_loss": 2.4},
                     {"step": 400, "train_loss": 2.1, "valid_loss": 2.0}]}


def test_a_run_being_written_is_listed_as_training_with_its_last_evaluation(tmp_path):
    a_run(tmp_path, "my-chorales", STATE)
    with client_for(tmp_path) as client:
        runs = client.get("/api/trainings").json()
    assert runs == [{"name": "my-chorales", "picture": True, "installed": False, "seconds_since_update": 0,
                     "technique": "arcnn", "step": 400, "minutes": 1.6,
                     "last": {"step": 400, "train_loss": 2.1, "valid_loss": 2.0}, "training": True}]


def test_a_run_not_written_for_a_while_is_stopped_and_the_newest_comes_first(tmp_path):
    old = a_run(tmp_path, "old-run", STATE)
    a_run(tmp_path, "new-run", STATE)
    hour_ago = time.time() - 3600
    os.utime(old / "state.json", (hour_ago, hour_ago))
    with client_for(tmp_path) as client:
        runs = client.get("/api/trainings").json()
    assert [(run["name"], run["training"]) for run in runs] == [("new-run", True), ("old-run", False)]
    assert runs[1]["seconds_since_update"] >= 3600


def test_a_run_whose_state_cannot_be_read_is_listed_with_what_is_wrong(tmp_path):
    a_run(tmp_path, "broken", "{not json", picture=False)
    with client_for(tmp_path) as client:
        [run] = client.get("/api/trainings").json()
    assert run["name"] == "broken" and run["training"] is False and run["picture"] is False
    assert run["problem"].startswith("state.json cannot be read")


def test_no_runs_and_folders_that_are_not_runs_give_an_empty_list(tmp_path):
    with client_for(tmp_path) as client:
        assert client.get("/api/trainings").json() == []
        (runs_folder(tmp_path) / "cache").mkdir(parents=True)  # the parsed data sets live beside the runs
        assert client.get("/api/trainings").json() == []


def test_the_picture_is_served_fresh_and_only_for_a_run(tmp_path):
    a_run(tmp_path, "my-chorales", STATE)
    with client_for(tmp_path) as client:
        picture = client.get("/api/trainings/my-chorales/picture")
        assert picture.status_code == 200 and picture.content == png()
        assert picture.headers["content-type"] == "image/png" and picture.headers["cache-control"] == "no-store"
        for name, words in (("nobody", "no training run called 'nobody'"), (".hidden", "a training run's name"),
                            ("%2e%2e", "a training run's name")):
            response = client.get(f"/api/trainings/{name}/picture")
            assert response.status_code == 404 and words in response.json()["error"], (name, response.text)
