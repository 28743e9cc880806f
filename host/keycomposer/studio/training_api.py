"""The studio's view of `keycomposer train`: the person's training runs, each with its last evaluation and its
live picture (curves and what the model writes), read from the run folders the trainers write as they go.

The studio does not start trainings (a run takes minutes to hours of a terminal's time, and Ctrl-C there is how
it stops); it shows them, so a run started in a terminal can be watched on the page. A run folder is listed
when it holds a state.json; one that cannot be read is listed with what is wrong, never skipped in silence.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse

from keycomposer.model_catalog import user_models
from keycomposer.studio.api import ApiError, studio_of
from keycomposer.training import RUN_PICTURE, RUN_STATE, runs_folder

RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # what a run folder's name may be (a model's name)
LIVE_SECONDS = 120  # a run whose state changed this recently is shown as training (the page refreshes it)


def run_view(folder: Path, installed: set[str], now: float) -> dict:
    """One run as the page shows it: where it is and its last evaluation, or the problem reading it."""
    state_path = folder / RUN_STATE
    view = {"name": folder.name, "picture": (folder / RUN_PICTURE).exists(), "installed": folder.name in installed,
            "seconds_since_update": round(now - state_path.stat().st_mtime)}
    try:
        state = json.loads(state_path.read_text())
        history = state.get("history") or []
        last = history[-1] if isinstance(history, list) and history else {}
        view.update(technique=state.get("technique") or state.get("settings", {}).get("technique"),
                    step=int(state["step"]), minutes=round(float(state["seconds"]) / 60, 1),
                    last={key: value for key, value in last.items() if isinstance(value, (int, float))})
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        view["problem"] = f"{RUN_STATE} cannot be read: {error}"
    view["training"] = "problem" not in view and not view["installed"] and view["seconds_since_update"] < LIVE_SECONDS
    return view


def list_runs(data_dir: Path | None) -> list[dict]:
    folder = runs_folder(data_dir)
    if not folder.is_dir():
        return []
    installed = {model.name for model in user_models(data_dir)}
    now = time.time()
    runs = [run_view(run, installed, now) for run in folder.iterdir()
            if run.is_dir() and RUN_NAME.fullmatch(run.name) and (run / RUN_STATE).exists()]
    return sorted(runs, key=lambda run: run["seconds_since_update"])


async def trainings(request: Request) -> JSONResponse:
    """The person's runs, the most recently updated first."""
    return JSONResponse(await run_in_threadpool(list_runs, studio_of(request).library_root))


async def training_picture(request: Request) -> FileResponse:
    """A run's live picture (curves.png), never cached: the trainer rewrites it at each evaluation."""
    name = request.path_params["name"]
    if not RUN_NAME.fullmatch(name):
        raise ApiError(404, f"a training run's name is letters, digits, '.', '_' and '-', not {name!r}")
    picture = runs_folder(studio_of(request).library_root) / name / RUN_PICTURE
    if not picture.is_file():
        raise ApiError(404, f"no training run called {name!r} has a picture yet")
    return FileResponse(picture, media_type="image/png", headers={"cache-control": "no-store"})
