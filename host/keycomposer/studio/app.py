"""The studio's web application: its routes as data, the guard in front of them, the page's files.

``create_app`` builds it for a library, a token and the Host headers it answers to; ``server.py`` serves it
with uvicorn, the tests drive it with Starlette's test client.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from keycomposer.studio import api, keyboard_api, library_api, music_api, training_api
from keycomposer.studio.errors import exception_handlers
from keycomposer.studio.security import Guard

STATIC = Path(__file__).parent / "static"


async def page(request: Request) -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})


async def http_error(request: Request, error: HTTPException) -> JSONResponse:
    return JSONResponse({"error": f"{error.detail}: {request.method} {request.url.path}"},
                        status_code=error.status_code)


ROUTES = [
    Route("/", page),
    Route("/api/info", api.info),
    Route("/api/samples", api.samples),
    Route("/api/techniques", api.techniques),
    Route("/api/music", api.music),
    Route("/api/compositions", library_api.list_compositions),
    Route("/api/compositions", library_api.upload, methods=["POST"]),
    Route("/api/compositions/{entry_id}", library_api.get_composition),
    Route("/api/compositions/{entry_id}", library_api.rename_composition, methods=["PATCH"]),
    Route("/api/compositions/{entry_id}", library_api.delete_composition, methods=["DELETE"]),
    Route("/api/compositions/{entry_id}/midi", library_api.download_midi),
    Route("/api/compositions/{entry_id}/wav", library_api.download_wav),
    Route("/api/edits", music_api.edit, methods=["POST"]),
    Route("/api/takes", music_api.take, methods=["POST"]),
    Route("/api/generations", music_api.start_generation, methods=["POST"]),
    Route("/api/generations/{job_id}", music_api.job_status),
    Route("/api/trainings", training_api.trainings),
    Route("/api/trainings/{name}/picture", training_api.training_picture),
    Route("/api/keyboard/start", keyboard_api.keyboard_start, methods=["POST"]),
    Route("/api/keyboard/keys", keyboard_api.keyboard_key, methods=["POST"]),
    Route("/api/keyboard/take", keyboard_api.keyboard_take),
    Route("/api/keyboard/stop", keyboard_api.keyboard_stop, methods=["POST"]),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def create_app(studio: api.Studio, token: str, allowed_hosts: frozenset[str]) -> Starlette:
    """The studio over ``studio``'s library and keyboard, answering only requests that pass the Guard."""
    handlers = exception_handlers()
    handlers[HTTPException] = http_error

    @contextlib.asynccontextmanager
    async def lifespan(app):
        # Open the library once before serving: a first run creates it, which the first page load
        # would otherwise wait for.
        await run_in_threadpool(lambda: studio.open_library().close())
        yield
        if studio.keyboard is not None:  # the emulator's process, a linked keyboard's ports
            studio.keyboard.close()

    app = Starlette(routes=ROUTES, exception_handlers=handlers, lifespan=lifespan,
                    middleware=[Middleware(Guard, token=token, allowed_hosts=allowed_hosts)])
    app.state.studio = studio
    return app
