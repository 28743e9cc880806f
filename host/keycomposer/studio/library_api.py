"""The library's routes: list, open, rename, delete, upload a MIDI file, download as MIDI or WAV."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from keycomposer.library.store import safe_name
from keycomposer.music.midi_io import MAX_FILE_BYTES, from_midi_bytes
from keycomposer.music.synth import render_wav
from keycomposer.studio.api import (ApiError, entry_id_of, library_entry, music_view, read_body, read_json,
                                    studio_of)
from keycomposer.studio.views import entry_view


async def list_compositions(request: Request) -> JSONResponse:
    def work() -> list:
        with studio_of(request).open_library() as library:
            return [entry_view(entry) for entry in reversed(library.entries())]

    return JSONResponse(await run_in_threadpool(work))


async def get_composition(request: Request) -> JSONResponse:
    spec = str(entry_id_of(request))
    return JSONResponse(await run_in_threadpool(music_view, studio_of(request), spec))


async def rename_composition(request: Request) -> JSONResponse:
    entry_id = entry_id_of(request)
    name = (await read_json(request)).get("name")
    if not isinstance(name, str):
        raise ApiError(400, "give the new name as text")

    def work() -> dict:
        with studio_of(request).open_library() as library:
            library_entry(library, entry_id)
            return entry_view(library.rename(entry_id, name))

    return JSONResponse(await run_in_threadpool(work))


async def delete_composition(request: Request) -> JSONResponse:
    entry_id = entry_id_of(request)

    def work() -> None:
        with studio_of(request).open_library() as library:
            library_entry(library, entry_id)
            library.delete(entry_id)

    await run_in_threadpool(work)
    return JSONResponse({"deleted": entry_id})


async def upload(request: Request) -> JSONResponse:
    """A MIDI file as the request body (``?filename=`` names it): checked whole, then imported."""
    data = await read_body(request, MAX_FILE_BYTES)
    filename = request.query_params.get("filename") or "upload.mid"

    def work() -> dict:
        composition = from_midi_bytes(data)  # MidiFileError says what is wrong with it; nothing is saved then
        name = safe_name(composition.name or Path(filename).stem, fallback="upload")
        with studio_of(request).open_library() as library:
            entry = library.save(composition, "import", name=name, source=f"upload:{safe_name(Path(filename).name)}")
        return entry_view(entry)

    return JSONResponse(await run_in_threadpool(work), status_code=201)


async def download_midi(request: Request) -> Response:
    entry_id = entry_id_of(request)

    def work():
        with studio_of(request).open_library() as library:
            return library_entry(library, entry_id)

    entry = await run_in_threadpool(work)
    return FileResponse(entry.path, media_type="audio/midi", filename=f"{safe_name(entry.name)}.mid")


async def download_wav(request: Request) -> Response:
    """The entry rendered by FluidSynth (``keycomposer render``); RenderError says how to install it."""
    entry_id = entry_id_of(request)
    studio = studio_of(request)

    def work() -> tuple[str, str]:
        with studio.open_library() as library:
            entry = library_entry(library, entry_id)
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
