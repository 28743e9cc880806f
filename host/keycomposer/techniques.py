"""The generative techniques the studio offers, described as data: name, what it does, its parameters.

Each technique's network and sampling loop live in ``keycomposer.models``; this module is the one place
the command line (generate, live, demo, models) learns what exists, what a person may set, and how to
run it on a Composition. A technique whose model file has not been trained yet raises ModelNotTrained
with a message that says so; nothing is ever faked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from keycomposer.music.composition import Composition


@dataclass(frozen=True)
class Parameter:
    name: str  # as on the command line, without the dashes: --max-notes-to-add
    kind: type  # int, float or str
    default: object
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def parse(self, text) -> object:
        """The value of ``text`` for this parameter, or ValueError naming the parameter and its range."""
        try:
            value = self.kind(text)
        except (TypeError, ValueError) as error:
            raise ValueError(f"--{self.name} must be {self.kind.__name__}, got {text!r}") from error
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"--{self.name} must be one of {', '.join(self.choices)}, got {value!r}")
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            raise ValueError(f"--{self.name} must be in range {self.low:g}..{self.high:g}, got {value!r}")
        return value


@dataclass(frozen=True)
class Technique:
    name: str
    title: str
    description: str
    model_files: tuple[str, ...]  # stems in models_tflite/ that must exist
    parameters: tuple[Parameter, ...]
    run: Callable[..., Composition]  # run(composition, seed=..., **parameters) -> Composition
    # Whether `run` also takes `model=` (a keycomposer.model_catalog.Model): a model the person trained, loaded
    # from its folder through the same checks as the shipped one.
    takes_trained_models: bool = False

    def defaults(self) -> dict:
        return {p.name.replace("-", "_"): p.default for p in self.parameters}


def _run_arcnn(composition: Composition, seed: int | None, max_notes_to_add: int, max_remove_percent: float,
               iterations: int, creative_risk: float, model=None) -> Composition:
    from keycomposer.models.arcnn import ArcnnBach, SamplingSettings, harmonize_composition, melody_track_index
    from keycomposer.progress import counting, progress_bar

    # AR-CNN harmonizes one track, the first melodic one; every other track is kept as it was.
    melody = composition.tracks[melody_track_index(composition)]
    settings = SamplingSettings(max_notes_to_add=max_notes_to_add, max_remove_percent=max_remove_percent,
                                iterations=iterations, temperature=creative_risk, seed=seed)
    network = ArcnnBach.load() if model is None else ArcnnBach.load(folder=model.folder, name=model.name)
    with progress_bar(None, "AR-CNN sampling") as advance:
        result = harmonize_composition(composition, counting(network.logits, advance), settings, network.steps)
    return replace(result, name=f"{composition.name or 'input'} (AR-CNN: alto, tenor, bass under "
                                f"'{melody.name or 'melody'}')")


TECHNIQUES: dict[str, Technique] = {}


def register(technique: Technique) -> None:
    TECHNIQUES[technique.name] = technique


register(Technique(
    name="arcnn",
    title="AR-CNN Bach",
    description="adds alto, tenor and bass under your melody (its first melodic track) as in a Bach chorale, "
                "keeping your notes and other tracks as they were (DeepComposer's AR-CNN, sampled as Coconet)",
    model_files=("arcnn_bach",),
    parameters=(
        Parameter("max-notes-to-add", int, 500, "most notes the added voices may hold", 0, 10_000),
        Parameter("max-remove-percent", float, 0.0,
                  "most of the melody's notes the model may rewrite, in % (0: kept as played)", 0, 100),
        Parameter("iterations", int, 100, "Gibbs sampling steps (one network call each)", 0, 10_000),
        Parameter("creative-risk", float, 0.3, "temperature: higher is more adventurous (1.0: 16th-note dots)",
                  0.01, 10),
    ),
    run=_run_arcnn,
    takes_trained_models=True,
))


def _run_gan(composition: Composition, seed: int | None, style: str, chords: str, model=None) -> Composition:
    from keycomposer.models.gan import accompany

    if model is not None:  # a model of the person's writes the parts it was trained on: --style is for shipped ones
        style = model.name
    result = accompany(composition, style=style, seed=0 if seed is None else seed, chords=chords,
                       folder=None if model is None else model.folder, model=None if model is None else model.name)
    return replace(result, name=f"{composition.name or 'input'} (GAN {style})")


register(Technique(
    name="gan",
    title="Accompaniment GAN",
    description="writes the band for your melody: alto, tenor and bass (bach) or second violin, viola and "
                "cello (quartet); change instruments with `keycomposer edit --instrument --track`",
    model_files=("gan_bach", "gan_quartet"),
    parameters=(
        Parameter("style", str, "bach", "which shipped accompaniment: bach or quartet (a model of yours, "
                  "--model NAME, writes the parts it learned)", choices=("bach", "quartet")),
        Parameter("chords", str, "error", "a melody with chords: error, or top (keep the highest note); an "
                  "ornament (notes one after the other inside a 16th) is read as its top note either way",
                  choices=("error", "top")),
    ),
    run=_run_gan,
    takes_trained_models=True,
))


def _run_txl(composition: Composition, seed: int | None, seconds: float, style: str, temperature: float,
             top_k: int, top_p: float, accompany: str, model=None) -> Composition:
    from keycomposer.models.txl import accompanied, continue_composition, load_step_model
    from keycomposer.progress import counting, progress_bar

    step = load_step_model() if model is None else load_step_model(model.name, folder=model.folder)
    with progress_bar(None, "Transformer-XL tokens") as advance:
        step.feed = counting(step.feed, advance)  # this instance only: one tick per model call
        result = continue_composition(composition, seconds=seconds, style=style, temperature=temperature,
                                      top_k=top_k or None, top_p=top_p if top_p < 1 else None, seed=seed, step=step)
    if accompany != "none":
        result = accompanied(result, accompany, seed)
    return replace(result, name=f"{composition.name or 'input'} (Transformer-XL)")


register(Technique(
    name="txl",
    title="Transformer-XL",
    description="continues your melody for up to 30 seconds, in its meter and key, as a classical or folk melody",
    model_files=("txl_melody",),
    parameters=(
        Parameter("seconds", float, 30.0, "how much music to add after your melody, in seconds", 0.5, 30),
        Parameter("style", str, "classical", "which melodies it learned from: classical or folk",
                  choices=("classical", "folk")),
        Parameter("temperature", float, 0.7, "sampling temperature: higher is more adventurous", 0.05, 5),
        Parameter("top-k", int, 0, "sample among the k likeliest tokens only (0: off)", 0, 200),
        Parameter("top-p", float, 0.95, "nucleus sampling: the likeliest tokens up to this probability (1: off)",
                  0.01, 1),
        Parameter("accompany", str, "none", "put the accompaniment GAN under the whole piece: none, bach or quartet",
                  choices=("none", "bach", "quartet")),
    ),
    run=_run_txl,
    takes_trained_models=True,
))


def get_technique(name: str) -> Technique:
    if name not in TECHNIQUES:
        raise KeyError(f"no model called {name!r}; the models are {', '.join(TECHNIQUES)}")
    return TECHNIQUES[name]


def installed(technique: Technique) -> bool:
    """True when every model file the technique needs is present with its card."""
    from keycomposer.models.runtime import models_dir

    folder = models_dir()
    return all((folder / f"{stem}.tflite").exists() and (folder / f"{stem}.json").exists()
               for stem in technique.model_files)
