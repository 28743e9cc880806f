"""Running a technique on an input and keeping the result: the one path generate, live and demo share.

The input is resolved (sample:NAME, a MIDI file, a library id), the technique runs, and the result is
saved to the library with its input, model and parameters, as DeepComposer does. A failed run saves
nothing.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from keycomposer.library.store import Entry, Library
from keycomposer.models.runtime import ModelError
from keycomposer.music.composition import Composition
from keycomposer.techniques import Technique


@dataclass(frozen=True)
class Generated:
    entry: Entry
    composition: Composition
    seconds: float


def generate(technique: Technique, composition: Composition, library: Library, source: str,
             parameters: dict, seed: int | None, model=None) -> Generated:
    """Run ``technique`` on ``composition`` with ``parameters`` (defaults filled in) and save the result. With no
    seed one is drawn, and kept with the generation like every other parameter, so any result can be made again.
    ``model``: a model the person trained (a ``keycomposer.model_catalog.Model`` of this technique), run instead
    of the shipped one; the generation is saved under its name."""
    if model is not None and (model.technique != technique.name or not technique.takes_trained_models):
        raise ModelError(f"{technique.title} cannot run the model {model.name!r} (a {model.technique} model)")
    if seed is None:
        seed = secrets.randbelow(2**31)
    settings = technique.defaults() | parameters
    chosen = {} if model is None else {"model": model}
    started = time.perf_counter()
    result = technique.run(composition, seed=seed, **settings, **chosen)
    seconds = time.perf_counter() - started
    # No explicit name: the library makes a safe one from the result's title (an input called
    # "AC/DC" must not fail the save).
    entry = library.save(result, "generation", source=source,
                         model=technique.name if model is None else model.name,
                         parameters=settings | {"seed": seed})
    return Generated(entry, result, seconds)
