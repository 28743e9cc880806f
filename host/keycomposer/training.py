"""What `keycomposer train` is asked to do, checked before any work starts, and where each technique's trainer plugs in.

Training needs TensorFlow and music21, which the runtime install leaves out (`pip install 'keycomposer[train]'`):
this module imports neither, and says which is missing. A technique's trainer is the module
``keycomposer.trainers.<technique>`` (see that package's doc), imported only once the train extra is known to be
there; a technique without one is refused in so many words, never faked.
"""

from __future__ import annotations

import importlib.util
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

TRAIN_EXTRA = "pip install 'keycomposer[train]'"
TRAINING_PACKAGES = ("tensorflow", "music21")  # import names, as the train extra installs them

# The data sets each technique trains on without a folder of the person's: name -> what it holds (music21 corpus).
BUILT_IN_DATA: dict[str, dict[str, str]] = {
    "arcnn": {"bach": "the Bach chorales with exactly four parts (music21 corpus.chorales)"},
    "gan": {"bach": "the Bach chorales with exactly four parts (music21 corpus.chorales)",
            "quartet": "string quartets by Haydn, Mozart and Beethoven, all movements (music21 corpus)"},
    "txl": {"melodies": "the first part of Bach chorales, string quartets, Monteverdi madrigals (classical) and "
                        "the Essen and O'Neill folk collections (folk), from the music21 corpus"},
}


RUNS_FOLDER = "training"  # in the data folder: one folder per run (checkpoint, state.json, curves.png), and cache/
RUN_STATE, RUN_PICTURE = "state.json", "curves.png"  # what every trainer writes into its run folder


def runs_folder(data_dir: Path | None = None) -> Path:
    """Where `keycomposer train` keeps its runs: ``<data dir>/training``."""
    from keycomposer.library.paths import default_data_dir

    return (data_dir if data_dir is not None else default_data_dir()) / RUNS_FOLDER


@dataclass(frozen=True)
class TechniqueOption:
    """A hyperparameter of one technique's trainer, beside the options every trainer takes (--lr, --batch, ...):
    ``--NAME`` on the command line, ``request.options[NAME with '_' for '-']`` for the trainer (None: not given,
    the run's own value on --resume, else ``default``)."""

    name: str  # without the dashes: update-ratio
    kind: type  # int or float
    default: int | float
    low: int | float  # the smallest value allowed
    help: str

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")


# Each technique's own hyperparameters, as data: `keycomposer train TECHNIQUE` offers and checks them.
TECHNIQUE_OPTIONS: dict[str, tuple[TechniqueOption, ...]] = {
    "txl": (
        TechniqueOption("layers", int, 4, 1, "decoder blocks"),
        TechniqueOption("width", int, 128, 2, "width of each token's vector, even and a multiple of --heads; the "
                        "feed-forward layers are 4 times as wide"),
        TechniqueOption("heads", int, 4, 1, "attention heads"),
        TechniqueOption("memory", int, 256, 1, "tokens of the past each token attends to, carried from segment to "
                        "segment"),
    ),
    "gan": (
        TechniqueOption("update-ratio", int, 2, 1, "critic updates per generator update (DeepComposer's notebook "
                        "uses 5; fewer learn faster on a CPU)"),
        TechniqueOption("auxiliary", float, 1.0, 0, "weight of the cross-entropy to the real parts in the "
                        "generator's loss (0: DeepComposer's pure WGAN-GP; the shipped quartet model used 5)"),
        TechniqueOption("width", int, 128, 1, "the generator's channels (it has one architecture, a dilated "
                        "residual 1D convolution over time; this sets its width)"),
    ),
}


class TrainingRequestError(ValueError):
    """An option of `keycomposer train` that cannot be used; the message names it."""


@dataclass(frozen=True)
class TrainingRequest:
    """One training run as the person asked for it. ``data`` is a built-in set's name or a folder; ``minutes`` and
    ``epochs`` (at most one given), ``lr`` and ``batch`` are None where the technique's defaults apply; so is
    each value of ``options``, the technique's own hyperparameters (``TECHNIQUE_OPTIONS``, by key)."""

    technique: str
    data: str | Path
    name: str
    seed: int = 0
    minutes: float | None = None
    epochs: float | None = None
    lr: float | None = None
    batch: int | None = None
    resume: bool = False
    options: dict = field(default_factory=dict)

    @property
    def built_in(self) -> bool:
        return isinstance(self.data, str)


TRAINERS_PACKAGE = "keycomposer.trainers"


def trainer_for(technique: str) -> Callable[..., int] | None:
    """The ``train(request, data)`` of ``keycomposer.trainers.<technique>``, or None while there is no such module.
    Import it only after ``missing_training_packages()`` came back empty: a trainer imports TensorFlow."""
    module_name = f"{TRAINERS_PACKAGE}.{technique}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name in (module_name, TRAINERS_PACKAGE):
            return None
        raise  # the trainer is there but something it imports is not: say so, do not hide it
    return module.train


def missing_training_packages() -> list[str]:
    """The packages of the train extra that this environment lacks (found without importing them)."""
    return [name for name in TRAINING_PACKAGES if importlib.util.find_spec(name) is None]


def data_choice(technique: str, text: str) -> str | Path:
    """A built-in set's name (it wins over a folder of that name: write ./NAME for the folder), or a folder."""
    if text in BUILT_IN_DATA[technique]:
        return text
    path = Path(text)
    if path.is_dir():
        return path
    sets = ", ".join(BUILT_IN_DATA[technique])
    if path.exists():
        raise TrainingRequestError(f"--data {text} is a file; give a folder of MIDI files or a built-in set ({sets})")
    raise TrainingRequestError(f"--data {text}: no built-in data set of {technique} has that name ({sets}) "
                               "and no folder either")


def default_name(technique: str, data: str | Path) -> str:
    """`technique-data`: the built-in set's name, or the folder's, in the letters a model name may hold."""
    label = data if isinstance(data, str) else Path(data).resolve().name
    label = re.sub(r"[^a-z0-9_-]+", "-", label.lower()).strip("-_") or "folder"
    return f"{technique}-{label}"[:64].rstrip("-_")


def check_numbers(minutes, epochs, lr, batch, seed) -> None:
    if minutes is not None and epochs is not None:
        raise TrainingRequestError("give --minutes or --epochs, not both")
    for option, value in (("--minutes", minutes), ("--epochs", epochs), ("--lr", lr)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise TrainingRequestError(f"{option} must be a number above 0, got {value:g}")
    if batch is not None and batch < 1:
        raise TrainingRequestError(f"--batch must be 1 or more, got {batch}")
    if not 0 <= seed < 2**32:
        raise TrainingRequestError(f"--seed must be in range 0..{2**32 - 1}, got {seed}")


def check_options(technique: str, given: dict) -> dict:
    """``given`` (key -> value or None) checked against the technique's options: every key known, every value
    given at least its option's ``low``."""
    options = {option.key: option for option in TECHNIQUE_OPTIONS.get(technique, ())}
    for key, value in given.items():
        if key not in options:
            raise TrainingRequestError(f"{technique} has no option --{key.replace('_', '-')}")
        option = options[key]
        if value is not None and not (math.isfinite(value) and value >= option.low):
            raise TrainingRequestError(f"--{option.name} must be a number, {option.low:g} or more, got {value:g}")
    if technique == "txl" and (given.get("width") is not None or given.get("heads") is not None):
        # the Transformer-XL's position sinusoids come in sine and cosine pairs, and its heads split the width
        width, heads = (options[key].default if given.get(key) is None else given[key] for key in ("width", "heads"))
        if width % heads or width % 2:
            raise TrainingRequestError(f"--width {width} must be even and a multiple of --heads ({heads})")
    return dict(given)
