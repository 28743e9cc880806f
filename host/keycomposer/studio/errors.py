"""Failures as the page shows them: ``{"error": "one line"}`` with a status, never a stack trace.

Errors the person can act on (a broken upload, an unknown id, a model that is not installed, a keyboard
that went away) come from the packages with messages written for people; they keep those messages. A bug
of ours gets a one-line 500 on the page and its traceback in the server's terminal, where a developer
looks.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from keycomposer.device.transport import TransportError
from keycomposer.library.inputs import InputError
from keycomposer.library.store import LibraryError
from keycomposer.models.runtime import ModelError
from keycomposer.music.midi_io import MidiFileError
from keycomposer.music.synth import RenderError
from keycomposer.studio.api import ApiError
from keycomposer.studio.live_keyboard import KeyboardGone

_log = logging.getLogger("keycomposer.studio")

# Exception type -> HTTP status; the first match in this order wins.
STATUS_OF: tuple[tuple[type[BaseException], int], ...] = (
    (ApiError, 0),  # carries its own status
    (InputError, 404),
    (MidiFileError, 400),
    (LibraryError, 400),
    (ModelError, 409),
    (RenderError, 503),
    (KeyboardGone, 409),
    (TransportError, 409),
    (ValueError, 400),  # a parameter or an edit out of range: the packages say which
)


def _message(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


async def known_error(request: Request, error: Exception) -> JSONResponse:
    status = error.status if isinstance(error, ApiError) else next(
        code for kind, code in STATUS_OF if isinstance(error, kind))
    return JSONResponse({"error": _message(error)}, status_code=status)


async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
    _log.exception("studio: %s %s failed", request.method, request.url.path)
    return JSONResponse({"error": f"the studio failed unexpectedly ({type(error).__name__}: {_message(error)}); "
                                  "the terminal running `keycomposer studio` has the details"}, status_code=500)


def exception_handlers() -> dict:
    handlers: dict = {kind: known_error for kind, _ in STATUS_OF}
    handlers[Exception] = unexpected_error
    return handlers
