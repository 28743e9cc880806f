"""What every `keycomposer train TECHNIQUE` checks before any work: the cluster's TF_CONFIG, and whether the run
folder's saved state lets this request start (a new run) or go on (--resume) there."""

from __future__ import annotations

import sys
from pathlib import Path

from keycomposer.trainers import distribution


def data_label(request) -> str:
    """What a run keeps as its data: the built-in set's name, or the folder's resolved path."""
    return request.data if request.built_in else str(Path(request.data).resolve())


def start_problem(request, state: dict | None, out: Path) -> str | None:
    """Why the request cannot run in ``out`` whose saved state is ``state`` (None: no checkpoint), or None."""
    try:
        distribution.cluster_config()
    except distribution.DistributionError as error:
        return str(error)
    if request.resume and state is None:
        return f"no checkpoint of a run called {request.name!r} in {out}: start it without --resume"
    if not request.resume and state is not None:
        return (f"a run called {request.name!r} has a checkpoint in {out}: --resume goes on from it, or choose "
                "another --name")
    label = data_label(request)
    if state is not None and state["settings"].get("data", label) != label:
        return f"the run {request.name!r} trained on {state['settings']['data']}: --resume goes on with the same --data"
    return None


def refuse(message: str) -> int:
    print(f"keycomposer train: {message}", file=sys.stderr)
    return 1
