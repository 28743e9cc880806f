"""Making music: edits before generating, a take from the page's keyboard, generations and their progress."""

from __future__ import annotations

import asyncio

import mido
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from keycomposer.library.store import safe_name
from keycomposer.model_catalog import UnknownModel, choose
from keycomposer.models.runtime import ModelError
from keycomposer.music.edits import apply_edits
from keycomposer.recorder import Recorder
from keycomposer.studio.api import ApiError, checked_input, load_input, number_in, read_json, studio_of
from keycomposer.studio.views import entry_view
from keycomposer.techniques import TECHNIQUES, installed

MAX_WAIT_S = 10.0  # the longest a job query waits for the job to finish
MAX_TAKE_NOTES = 10_000


async def edit(request: Request) -> JSONResponse:
    """Rhythm assist, transpose, instrument, tempo: saved as a new composition, as ``keycomposer edit``."""
    body = await read_json(request)
    spec = checked_input(body.get("input"))
    steps = number_in(body, "quantize", int, 1, 24)
    strength = number_in(body, "strength", float, 0, 1)
    semitones = number_in(body, "transpose", int, -48, 48)
    bpm = number_in(body, "bpm", float, 1, 1000)
    track = number_in(body, "track", int, 0, 1023)
    instrument = body.get("instrument")
    if instrument is not None and not isinstance(instrument, (int, str)):
        raise ApiError(400, "instrument is a General MIDI program number or name")
    studio = studio_of(request)

    def work() -> dict:
        composition = load_input(studio, spec)
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
    body = await read_json(request)
    events = body.get("events")
    bpm = number_in(body, "bpm", float, 20, 300) or 120.0
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
        with studio_of(request).open_library() as library:
            return entry_view(library.save(composition, "recording", name="studio take",
                                           parameters={"bpm": bpm, "input": "studio keyboard"}))

    return JSONResponse(await run_in_threadpool(work), status_code=201)


async def start_generation(request: Request) -> JSONResponse:
    body = await read_json(request)
    name = body.get("technique")
    studio = studio_of(request)
    if not isinstance(name, str) or not name:
        raise ApiError(404, f"no model called {name!r}; the models are {', '.join(TECHNIQUES)}")
    try:  # a technique, or a model the person trained, by name (as --model NAME)
        choice = await run_in_threadpool(choose, name, studio.library_root)
    except UnknownModel as error:
        raise ApiError(404, str(error)) from error
    except ModelError as error:
        raise ApiError(409, str(error)) from error
    technique = choice.technique
    if choice.model is None and not installed(technique):
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
    seed = number_in(body, "seed", int, 0, 2**31 - 1)
    composition = await run_in_threadpool(load_input, studio, spec)
    job = studio.jobs.start(technique, composition, spec, parameters, seed, choice.model)
    return JSONResponse(job.view(), status_code=202)


async def job_status(request: Request) -> JSONResponse:
    """A generation's state; ``?wait=S`` waits up to S seconds for it to finish (no polling loop needed)."""
    text = request.path_params["job_id"]
    job = studio_of(request).jobs.get(int(text)) if text.isdigit() else None
    if job is None:
        raise ApiError(404, f"no generation {text!r} (the studio was restarted, or it is long finished)")
    wait = number_in(dict(request.query_params), "wait", float, 0, MAX_WAIT_S) or 0.0
    if wait and not job.finished.is_set():
        await asyncio.get_running_loop().run_in_executor(None, job.finished.wait, wait)
    return JSONResponse(job.view())
