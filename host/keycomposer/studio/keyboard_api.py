"""The linked or emulated keyboard's routes: start a take, play the emulated one, watch the take, stop and save."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from keycomposer.emulator.layout import BUTTONS, N_KEYS
from keycomposer.studio.api import ApiError, number_in, read_json, studio_of
from keycomposer.studio.live_keyboard import LiveKeyboard
from keycomposer.studio.views import composition_view, entry_view


def _keyboard(request: Request) -> LiveKeyboard:
    keyboard = studio_of(request).keyboard
    if keyboard is None:
        raise ApiError(409, "this studio has no keyboard")
    return keyboard


def _take_view(keyboard: LiveKeyboard) -> dict:
    composition = keyboard.recorder.composition()
    return {"state": keyboard.state, "ended_by": keyboard.ended_by, "source": keyboard.source_name,
            "music": composition_view(composition)}


async def keyboard_start(request: Request) -> JSONResponse:
    keyboard = _keyboard(request)
    bpm = number_in(await read_json(request), "bpm", float, 20, 300) or 120.0
    await run_in_threadpool(keyboard.start, bpm)
    return JSONResponse(_take_view(keyboard))


async def keyboard_key(request: Request) -> JSONResponse:
    keyboard = _keyboard(request)
    body = await read_json(request)
    velocity = number_in(body, "velocity", int, 1, 127) or 100
    if "button" in body:
        if body["button"] not in BUTTONS:
            raise ApiError(400, f"no button {body['button']!r}; the buttons are {', '.join(BUTTONS)}")
        await run_in_threadpool(keyboard.button, body["button"])
    else:
        key = number_in(body, "key", int, 0, N_KEYS - 1)
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
        with studio_of(request).open_library() as library:
            return entry_view(library.save(composition, "recording", name="keyboard take",
                                           parameters={"bpm": keyboard.recorder.bpm, "ended_by": keyboard.ended_by,
                                                       "input": keyboard.source_name or "keyboard"}))

    saved = await run_in_threadpool(work)
    return JSONResponse(_take_view(keyboard) | {"saved": saved}, status_code=201)
