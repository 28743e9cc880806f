"""The studio's JSON API: plain functions of a request, each a thin layer over the command line's packages.

Inputs are named as the command line names them, but only ``sample:NAME`` or a library id: a file reaches
the studio by upload, never by a path (a page must not make the server read files). Every failure the
person can act on is an ``ApiError`` or one of the packages' own errors, turned into ``{"error": "..."}``
with a 4xx status by ``errors.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import mido
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from keycomposer.cli.metrics import METRIC_LABELS
from keycomposer.console_keyboard.keymap import BUTTON_KEYS, NOTE_KEYS
from keycomposer.emulator.layout import BUTTONS, LOWEST_NOTE_DEFAULT, N_KEYS
from keycomposer.library.inputs import SAMPLE_PREFIX, resolve_input
from keycomposer.library.store import Library, LibraryError, safe_name
from keycomposer.music.composition import Composition
from keycomposer.music.edits import apply_edits
from keycomposer.music.instruments import GM_PROGRAM_NAMES
from keycomposer.music.metrics import composition_metrics
from keycomposer.music.midi_io import MAX_FILE_BYTES, from_midi_bytes
from keycomposer.music.samples import SAMPLES, sample_names
from keycomposer.recorder import Recorder
from keycomposer.music.synth import render_wav
from keycomposer.studio.jobs import Jobs
from keycomposer.studio.live_keyboard import LiveKeyboard
from keycomposer.studio.views import composition_view, entry_view, technique_view
from keycomposer.techniques import TECHNIQUES, installed

MAX_JSON_BYTES = 1024 * 1024  # a take from the page's keyboard is far smaller
MAX_WAIT_S = 10.0  # the longest a job query waits for the job to finish
MAX_TAKE_NOTES = 10_000


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


def _studio(request: Request) -> Studio:
    return request.app.state.studio


async def _body(request: Request, limit: int) -> bytes:
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


async def _json(request: Request) -> dict:
    data = await _body(request, MAX_JSON_BYTES)
    try:
        value = json.loads(data or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, f"the request is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise ApiError(400, "the request must be a JSON object")
    return value


def _entry_id(request: Request) -> int:
    text = request.path_params["entry_id"]
    if not text.isdigit():
        raise ApiError(404, f"a library id is a positive number, got {text!r}")
    return int(text)


def _library_entry(library: Library, entry_id: int):
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


def _load_input(studio: Studio, spec: str) -> Composition:
    if not spec.isdigit():
        return resolve_input(spec)  # a sample: no library needed
    with studio.open_library() as library:
        if spec.isdigit():
            _library_entry(library, int(spec))
        return resolve_input(spec, library)


# -- what there is --------------------------------------------------------------------------------------

async def info(request: Request) -> JSONResponse:
    studio = _studio(request)
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
    return JSONResponse([technique_view(technique) for technique in TECHNIQUES.values()])


def _music_view(studio: Studio, spec: str) -> dict:
    """An input as notes and metrics: a library entry's saved metrics, a sample's computed here."""
    if spec.isdigit():
        with studio.open_library() as library:
            entry = _library_entry(library, int(spec))
            composition = library.load(entry.id)
        return {"input": spec, "entry": entry_view(entry), "music": composition_view(composition),
                "metrics": entry.metrics}
    composition = _load_input(studio, spec)
    return {"input": spec, "entry": None, "music": composition_view(composition),
            "metrics": composition_metrics(composition)}


async def music(request: Request) -> JSONResponse:
    """An input (sample:NAME or id) for the roll, before anything is generated."""
    spec = checked_input(request.query_params.get("input"))
    return JSONResponse(await run_in_threadpool(_music_view, _studio(request), spec))


# -- the library ----------------------------------------------------------------------------------------

async def list_compositions(request: Request) -> JSONResponse:
    def work() -> list:
        with _studio(request).open_library() as library:
            return [entry_view(entry) for entry in reversed(library.entries())]

    return JSONResponse(await run_in_threadpool(work))


async def get_composition(request: Request) -> JSONResponse:
    spec = str(_entry_id(request))
    return JSONResponse(await run_in_threadpool(_music_view, _studio(request), spec))


async def rename_composition(request: Request) -> JSONResponse:
    entry_id = _entry_id(request)
    name = (await _json(request)).get("name")
    if not isinstance(name, str):
        raise ApiError(400, "give the new name as text")

    def work() -> dict:
        with _studio(request).open_library() as library:
            _library_entry(library, entry_id)
            return entry_view(library.rename(entry_id, name))

    return JSONResponse(await run_in_threadpool(work))


async def delete_composition(request: Request) -> JSONResponse:
    entry_id = _entry_id(request)

    def work() -> None:
        with _studio(request).open_library() as library:
            _library_entry(library, entry_id)
            library.delete(entry_id)

    await run_in_threadpool(work)
    return JSONResponse({"deleted": entry_id})


async def upload(request: Request) -> JSONResponse:
    """A MIDI file as the request body (``?filename=`` names it): checked whole, then imported."""
    data = await _body(request, MAX_FILE_BYTES)
    filename = request.query_params.get("filename") or "upload.mid"

    def work() -> dict:
        composition = from_midi_bytes(data)  # MidiFileError says what is wrong with it; nothing is saved then
        name = safe_name(composition.name or Path(filename).stem, fallback="upload")
        with _studio(request).open_library() as library:
            entry = library.save(composition, "import", name=name, source=f"upload:{safe_name(Path(filename).name)}")
        return entry_view(entry)

    return JSONResponse(await run_in_threadpool(work), status_code=201)


async def download_midi(request: Request) -> Response:
    entry_id = _entry_id(request)

    def work():
        with _studio(request).open_library() as library:
            return _library_entry(library, entry_id)

    entry = await run_in_threadpool(work)
    return FileResponse(entry.path, media_type="audio/midi", filename=f"{safe_name(entry.name)}.mid")


async def download_wav(request: Request) -> Response:
    """The entry rendered by FluidSynth (``keycomposer render``); RenderError says how to install it."""
    entry_id = _entry_id(request)
    studio = _studio(request)

    def work() -> tuple[str, str]:
        with studio.open_library() as library:
            entry = _library_entry(library, entry_id)
            composition = library.load(entry_id)
        handle, path = tempfile.mkstemp(prefix="keycomposer-studio-", suffix=".wav")
        os.close(handle)
        try:
            render_wav(composition, path)
        except BaseException:
            os.unlink(path)
            raise
        return path, entry.name

    path, name = await run_in_threadpool(work)
    return FileResponse(path, media_type="audio/wav", filename=f"{safe_name(name)}.wav",
                        background=BackgroundTask(os.unlink, path))


# -- making music ---------------------------------------------------------------------------------------

def _number(body: dict, key: str, kind: type, low: float, high: float):
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


async def edit(request: Request) -> JSONResponse:
    """Rhythm assist, transpose, instrument, tempo: saved as a new composition, as ``keycomposer edit``."""
    body = await _json(request)
    spec = checked_input(body.get("input"))
    steps = _number(body, "quantize", int, 1, 24)
    strength = _number(body, "strength", float, 0, 1)
    semitones = _number(body, "transpose", int, -48, 48)
    bpm = _number(body, "bpm", float, 1, 1000)
    track = _number(body, "track", int, 0, 1023)
    instrument = body.get("instrument")
    if instrument is not None and not isinstance(instrument, (int, str)):
        raise ApiError(400, "instrument is a General MIDI program number or name")
    studio = _studio(request)

    def work() -> dict:
        composition = _load_input(studio, spec)
        edited, done = apply_edits(composition, steps, 1.0 if strength is None else strength, semitones,
                                   instrument if instrument != "" else None, bpm,
                                   None if track is None else [track])
        with studio.open_library() as library:
            entry = library.save(edited, "edit", name=safe_name(f"{edited.name or 'input'} ({', '.join(done)})"),
                                 source=spec,
                                 parameters={"edits": done})
        return entry_view(entry)

    return JSONResponse(await run_in_threadpool(work), status_code=201)


async def take(request: Request) -> JSONResponse:
    """A take played on the page's keyboard: note-ons and note-offs with their times, through the Recorder
    ``keycomposer record`` uses, saved as a recording."""
    body = await _json(request)
    events = body.get("events")
    bpm = _number(body, "bpm", float, 20, 300) or 120.0
    if not isinstance(events, list) or not events:
        raise ApiError(400, "the take holds no notes: play something first")
    if len(events) > 2 * MAX_TAKE_NOTES:
        raise ApiError(413, f"the take has more than {MAX_TAKE_NOTES} notes")
    recorder = Recorder(bpm=bpm, name="studio take")
    try:
        for time_ms, pitch, velocity in sorted(events, key=lambda event: float(event[0])):
            message = mido.Message("note_on", note=int(pitch), velocity=int(velocity))
            recorder.feed(round(float(time_ms) * 1000), message)
    except (TypeError, ValueError) as error:
        raise ApiError(400, f"a take event is [time_ms, pitch 0..127, velocity 0..127]: {error}") from error
    composition = recorder.composition()
    if composition.note_count == 0:
        raise ApiError(400, "the take holds no notes: play something first")

    def work() -> dict:
        with _studio(request).open_library() as library:
            return entry_view(library.save(composition, "recording", name="studio take",
                                           parameters={"bpm": bpm, "input": "studio keyboard"}))

    return JSONResponse(await run_in_threadpool(work), status_code=201)


async def start_generation(request: Request) -> JSONResponse:
    body = await _json(request)
    name = body.get("technique")
    if name not in TECHNIQUES:
        raise ApiError(404, f"no model called {name!r}; the models are {', '.join(TECHNIQUES)}")
    technique = TECHNIQUES[name]
    if not installed(technique):
        files = ", ".join(f"models_tflite/{stem}.tflite" for stem in technique.model_files)
        raise ApiError(409, f"{technique.title} is not installed ({files} and its card are needed)")
    spec = checked_input(body.get("input"))
    given = body.get("parameters") or {}
    if not isinstance(given, dict):
        raise ApiError(400, "parameters is an object of name: value")
    known = {parameter.name: parameter for parameter in technique.parameters}
    parameters = {}
    for key, text in given.items():
        if key not in known:
            raise ApiError(400, f"--{key} is not a parameter of {technique.name}")
        parameters[key.replace("-", "_")] = known[key].parse(text)  # ValueError names the range
    seed = _number(body, "seed", int, 0, 2**31 - 1)
    studio = _studio(request)
    composition = await run_in_threadpool(_load_input, studio, spec)
    job = studio.jobs.start(technique, composition, spec, parameters, seed)
    return JSONResponse(job.view(), status_code=202)


async def job_status(request: Request) -> JSONResponse:
    """A generation's state; ``?wait=S`` waits up to S seconds for it to finish (no polling loop needed)."""
    text = request.path_params["job_id"]
    job = _studio(request).jobs.get(int(text)) if text.isdigit() else None
    if job is None:
        raise ApiError(404, f"no generation {text!r} (the studio was restarted, or it is long finished)")
    wait = _number(dict(request.query_params), "wait", float, 0, MAX_WAIT_S) or 0.0
    if wait and not job.finished.is_set():
        await asyncio.get_running_loop().run_in_executor(None, job.finished.wait, wait)
    return JSONResponse(job.view())


# -- the linked or emulated keyboard --------------------------------------------------------------------

def _keyboard(request: Request) -> LiveKeyboard:
    keyboard = _studio(request).keyboard
    if keyboard is None:
        raise ApiError(409, "this studio has no keyboard")
    return keyboard


def _take_view(keyboard: LiveKeyboard) -> dict:
    composition = keyboard.recorder.composition()
    return {"state": keyboard.state, "ended_by": keyboard.ended_by, "source": keyboard.source_name,
            "music": composition_view(composition)}


async def keyboard_start(request: Request) -> JSONResponse:
    keyboard = _keyboard(request)
    bpm = _number(await _json(request), "bpm", float, 20, 300) or 120.0
    await run_in_threadpool(keyboard.start, bpm)
    return JSONResponse(_take_view(keyboard))


async def keyboard_key(request: Request) -> JSONResponse:
    keyboard = _keyboard(request)
    body = await _json(request)
    velocity = _number(body, "velocity", int, 1, 127) or 100
    if "button" in body:
        if body["button"] not in BUTTONS:
            raise ApiError(400, f"no button {body['button']!r}; the buttons are {', '.join(BUTTONS)}")
        await run_in_threadpool(keyboard.button, body["button"])
    else:
        key = _number(body, "key", int, 0, N_KEYS - 1)
        if key is None or not isinstance(body.get("down"), bool):
            raise ApiError(400, f"a key event is {{key: 0..{N_KEYS - 1}, down: true|false}}")
        await run_in_threadpool(keyboard.key, key, body["down"], velocity)
    return JSONResponse({"state": keyboard.state})


async def keyboard_take(request: Request) -> JSONResponse:
    keyboard = _keyboard(request)
    await run_in_threadpool(keyboard.look)
    return JSONResponse(_take_view(keyboard))


async def keyboard_stop(request: Request) -> JSONResponse:
    """End the take and save what it holds as a recording, also after the keyboard went away."""
    keyboard = _keyboard(request)
    await run_in_threadpool(keyboard.finish)
    composition = keyboard.recorder.composition()
    if composition.note_count == 0:
        raise ApiError(400, f"the take holds no notes (ended by {keyboard.ended_by}); nothing saved")

    def work() -> dict:
        with _studio(request).open_library() as library:
            return entry_view(library.save(composition, "recording", name="keyboard take",
                                           parameters={"bpm": keyboard.recorder.bpm, "ended_by": keyboard.ended_by,
                                                       "input": keyboard.source_name or "keyboard"}))

    saved = await run_in_threadpool(work)
    return JSONResponse(_take_view(keyboard) | {"saved": saved}, status_code=201)
