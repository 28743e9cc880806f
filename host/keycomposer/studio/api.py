"""The studio's JSON API, the part every handler shares: the studio's state, reading requests, naming inputs;
and the handlers that say what there is. ``library_api``, ``music_api`` and ``keyboard_api`` hold the rest.
Each handler is a plain function of a request and a thin layer over the command line's packages.

Inputs are named as the command line names them, but only ``sample:NAME`` or a library id: a file reaches
the studio by upload, never by a path (a page must not make the server read files). Every failure the
person can act on is an ``ApiError`` or one of the packages' own errors, turned into ``{"error": "..."}``
with a 4xx status by ``errors.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from keycomposer.cli.metrics import METRIC_LABELS
from keycomposer.console_keyboard.keymap import BUTTON_KEYS, NOTE_KEYS
from keycomposer.emulator.layout import BUTTONS, LOWEST_NOTE_DEFAULT, N_KEYS
from keycomposer.library.inputs import SAMPLE_PREFIX, resolve_input
from keycomposer.library.store import Library, LibraryError
from keycomposer.model_catalog import user_models
from keycomposer.music.composition import Composition
from keycomposer.music.instruments import GM_PROGRAM_NAMES
from keycomposer.music.metrics import composition_metrics
from keycomposer.music.midi_io import MAX_FILE_BYTES
from keycomposer.music.samples import SAMPLES, sample_names
from keycomposer.studio.jobs import Jobs
from keycomposer.studio.live_keyboard import LiveKeyboard
from keycomposer.studio.views import composition_view, entry_view, technique_view, trained_model_view
from keycomposer.techniques import TECHNIQUES

MAX_JSON_BYTES = 1024 * 1024  # a take from the page's keyboard is far smaller


class ApiError(Exception):
    """A request that cannot be served: ``status`` and a one-line message for the page."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass


class Studio:
    """What the handlers share: where the library is, the generations under way, the keyboard."""

    library_root: Path | None = None  # None: the user's data directory, as the command line uses
    keyboard: LiveKeyboard | None = None
    keyboard_kind: str = ""  # "emulated" or "linked", as the page says it
    jobs: Jobs = field(init=False)
    open_library: Callable[[], Library] = field(init=False)

    def __post_init__(self) -> None:
        self.open_library = lambda: Library(self.library_root)
        self.jobs = Jobs(self.open_library)


def studio_of(request: Request) -> Studio:
    return request.app.state.studio


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes before it is all read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the upload is {int(declared)} bytes, more than the {limit // (1024 * 1024)} MiB allowed")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise ApiError(413, f"the upload is more than the {limit // (1024 * 1024)} MiB allowed")
    return bytes(data)


async def read_json(request: Request) -> dict:
    data = await read_body(request, MAX_JSON_BYTES)
    try:
        value = json.loads(data or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, f"the request is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise ApiError(400, "the request must be a JSON object")
    return value


def entry_id_of(request: Request) -> int:
    text = request.path_params["entry_id"]
    if not text.isdigit():
        raise ApiError(404, f"a library id is a positive number, got {text!r}")
    return int(text)


def library_entry(library: Library, entry_id: int):
    try:
        return library.get(entry_id)
    except LibraryError as error:
        raise ApiError(404, str(error)) from error


def checked_input(spec: object) -> str:
    """``spec`` if it names a sample or a library id; anything else (a path above all) is refused."""
    if not isinstance(spec, str) or not spec.strip():
        raise ApiError(400, "choose an input: a sample or a composition from the library")
    spec = spec.strip()
    if spec.startswith(SAMPLE_PREFIX):
        if spec[len(SAMPLE_PREFIX):] not in SAMPLES:
            raise ApiError(404, f"no sample melody is called {spec[len(SAMPLE_PREFIX):]!r}")
        return spec
    if spec.isdigit():
        return spec
    raise ApiError(400, f"an input is sample:NAME or a library id, not {spec!r}; upload a MIDI file to use one")


def load_input(studio: Studio, spec: str) -> Composition:
    if not spec.isdigit():
        return resolve_input(spec)  # a sample: no library needed
    with studio.open_library() as library:
        if spec.isdigit():
            library_entry(library, int(spec))
        return resolve_input(spec, library)


def number_in(body: dict, key: str, kind: type, low: float, high: float):
    value = body.get(key)
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError) as error:
        raise ApiError(400, f"{key} must be a number, got {value!r}") from error
    if not low <= number <= high:
        raise ApiError(400, f"{key} must be in range {low:g}..{high:g}, got {value!r}")
    return number


# -- what there is --------------------------------------------------------------------------------------

async def info(request: Request) -> JSONResponse:
    studio = studio_of(request)
    keyboard = studio.keyboard
    return JSONResponse({
        "keys": {"count": N_KEYS, "lowest": LOWEST_NOTE_DEFAULT, "note_keys": NOTE_KEYS,
                 "button_keys": BUTTON_KEYS, "buttons": list(BUTTONS)},
        "instruments": list(GM_PROGRAM_NAMES),
        "metric_labels": METRIC_LABELS,
        "max_upload_bytes": MAX_FILE_BYTES,
        "keyboard": None if keyboard is None else studio.keyboard_kind,
    })


async def samples(request: Request) -> JSONResponse:
    return JSONResponse([{"name": name, "input": SAMPLE_PREFIX + name, "title": SAMPLES[name].title,
                          "origin": SAMPLES[name].origin} for name in sample_names()])


async def techniques(request: Request) -> JSONResponse:
    """The techniques, then the person's own models that a technique can run (from the studio's data folder)."""
    yours = await run_in_threadpool(user_models, studio_of(request).library_root)
    return JSONResponse([technique_view(technique) for technique in TECHNIQUES.values()]
                        + [trained_model_view(model, TECHNIQUES[model.technique]) for model in yours
                           if model.problem is None and TECHNIQUES[model.technique].takes_trained_models])


def music_view(studio: Studio, spec: str) -> dict:
    """An input as notes and metrics: a library entry's saved metrics, a sample's computed here."""
    if spec.isdigit():
        with studio.open_library() as library:
            entry = library_entry(library, int(spec))
            composition = library.load(entry.id)
        return {"input": spec, "entry": entry_view(entry), "music": composition_view(composition),
                "metrics": entry.metrics}
    composition = load_input(studio, spec)
    return {"input": spec, "entry": None, "music": composition_view(composition),
            "metrics": composition_metrics(composition)}


async def music(request: Request) -> JSONResponse:
    """An input (sample:NAME or id) for the roll, before anything is generated."""
    spec = checked_input(request.query_params.get("input"))
    return JSONResponse(await run_in_threadpool(music_view, studio_of(request), spec))
