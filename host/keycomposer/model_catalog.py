"""The models by name: those the project ships in models_tflite/ and those the person trained, in their data folder.

Layout of the person's models (beside the library, under the data directory that ``KEYCOMPOSER_DATA_DIR``
overrides)::

    <data dir>/models/<name>/<name>.tflite     the int8 TFLite file
    <data dir>/models/<name>/<name>.json       its model card

A model of theirs exists exactly when its folder does: ``install`` writes both files into a hidden staging
folder and renames it into place in one step, ``delete`` renames the folder away before removing it. So a
process killed half-way leaves a whole model or none (at worst a hidden ``.installing-`` or ``.deleting-``
folder, which listings skip and the next install or delete sweeps).

Their card has the shipped cards' ``file``, ``bytes`` and ``sha256`` (``keycomposer.models.runtime`` checks the file
against them at every load, as it checks a shipped one) and the fields in ``TRAINED_CARD_FIELDS``; ``technique``
is the name of the technique that runs it (``arcnn``, ``gan``, ``txl``), and the rest is what that technique's
code reads from a shipped card of its kind (an AR-CNN's ``grid``, say), checked when it loads.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from keycomposer.library.paths import default_data_dir
from keycomposer.models.runtime import ModelError, ModelFileError, check_model_bytes, models_dir, read_card
from keycomposer.techniques import TECHNIQUES, Technique

USER_MODELS = "models"  # the folder of the person's models, inside the data directory
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
NAME_RULE = "1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit"
# What a trained model's card must hold beyond file, bytes and sha256, and of which JSON type.
TRAINED_CARD_FIELDS = {"name": str, "technique": str, "trained": str, "quantization": str,
                       "data": dict, "split": dict, "settings": dict, "figures": dict}
_STAGING, _DELETING = ".installing-", ".deleting-"

# The figures `keycomposer models` prints for each technique: (label, path into the card). A shipped card and a
# card a person's training writes put them at the same place, so the two print side by side; "{name}" is the
# model's name; a path a card lacks is left out.
KEY_FIGURES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "arcnn": (
        ("test NLL per masked cell", ("figures", "likelihood", "rows", "{name} int8", "nll_per_masked_cell")),
        ("logistic baseline", ("figures", "likelihood", "rows", "logistic on neighbours", "nll_per_masked_cell")),
    ),
    "gan": (
        ("test parallel 5ths/8ves per 100 moves", ("metrics", "test", "GAN", "parallels_per_100_moves")),
        ("in key", ("metrics", "test", "GAN", "in_key")),
        ("distance to the real parts", ("metrics", "test", "GAN", "distance_to_real")),
        ("rule map", ("metrics", "test", "rule map", "distance_to_real")),
        ("test cross-entropy per cell (int8)", ("figures", "test", "cross_entropy")),
        ("the shipped model's on the same windows", ("figures", "test", "shipped", "cross_entropy")),
    ),
    "txl": (
        ("test perplexity classical", ("figures_test", "perplexity", "classical", "txl_int8")),
        ("Kneser-Ney 5-gram", ("figures_test", "perplexity", "classical", "kneser_ney_5gram")),
        ("folk", ("figures_test", "perplexity", "folk", "txl_int8")),
        ("Kneser-Ney 5-gram", ("figures_test", "perplexity", "folk", "kneser_ney_5gram")),
        ("test perplexity, your melodies", ("figures_test", "perplexity", "yours", "txl_int8")),
    ),
}


class UnknownModel(ModelError):
    """No technique and no model of the person's has that name."""


@dataclass(frozen=True)
class Model:
    """One model by name. ``problem`` says why it cannot be used (a broken card, a missing file); None when
    it can. ``technique`` is None only where the card is too broken to say."""

    name: str
    technique: str | None
    shipped: bool
    folder: Path
    card: dict | None = None
    problem: str | None = None

    @property
    def trained(self) -> str:
        return str((self.card or {}).get("trained", "")) or "not recorded"

    def key_figures(self) -> list[tuple[str, object]]:
        found = []
        for label, path in KEY_FIGURES.get(self.technique or "", ()):
            value = self.card
            for key in path:
                value = value.get(key.format(name=self.name)) if isinstance(value, dict) else None
            if value is not None and not isinstance(value, (dict, list)):
                found.append((label, value))
        return found


@dataclass(frozen=True)
class Choice:
    """What `--model NAME` names: a technique, and the person's model it runs (None: the shipped one)."""

    technique: Technique
    model: Model | None = None

    @property
    def name(self) -> str:
        return self.model.name if self.model else self.technique.name


def user_models_dir(data_dir: Path | None = None) -> Path:
    return Path(data_dir or default_data_dir()) / USER_MODELS


def shipped_names() -> set[str]:
    """Every name the project uses for a model of its own: the techniques' and every card in models_tflite/."""
    names = set(TECHNIQUES)
    folder = models_dir()
    if folder.is_dir():
        names.update(path.stem for path in folder.glob("*.json"))
    for technique in TECHNIQUES.values():
        names.update(technique.model_files)
    return names


def shipped_models() -> list[Model]:
    """The models the techniques run, one per model file, with why one cannot be used where it cannot."""
    folder = models_dir()
    found = []
    for technique in TECHNIQUES.values():
        for stem in technique.model_files:
            try:
                card, problem = read_card(stem, folder), None
                if not (folder / card["file"]).exists():
                    problem = f"its file {card['file']} is missing"
            except ModelError as error:
                card, problem = None, str(error)
            found.append(Model(stem, technique.name, True, folder, card, problem))
    return found


def user_models(data_dir: Path | None = None) -> list[Model]:
    """The person's models, sorted by name; a broken one is listed with its problem, never raised."""
    folder = user_models_dir(data_dir)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        return []
    except OSError as error:
        raise ModelError(f"cannot read your models folder {folder}: {error.strerror or error}") from error
    return [_read_user_model(Path(entry.path)) for entry in entries if not entry.name.startswith(".")]


def all_models(data_dir: Path | None = None) -> list[Model]:
    return shipped_models() + user_models(data_dir)


def _read_user_model(folder: Path) -> Model:
    name = folder.name
    if not folder.is_dir():
        return Model(name, None, False, folder, problem="not a model: a model is a folder NAME holding NAME.json "
                                                        "and NAME.tflite")
    try:
        card = read_card(name, folder)
        check_trained_card(card, name)
    except ModelError as error:
        return Model(name, None, False, folder, problem=str(error))
    file = folder / card["file"]
    problem = None
    if not file.is_file():
        problem = f"its file {file} is missing" if not os.path.lexists(file) else f"its file {file} is not a regular file"
    elif file.stat().st_size != int(card["bytes"]):
        problem = f"its file {file} has {file.stat().st_size} bytes, its card says {card['bytes']}"
    return Model(name, card["technique"], False, folder, card, problem)


def check_name(name: str) -> str:
    """A name for a model of the person's: NAME_RULE, and none the project uses for its own."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ModelError(f"a model name is {NAME_RULE}, got {name!r}")
    if name in shipped_names():
        raise ModelError(f"{name!r} is the name of a shipped model or technique; choose another name")
    return name


def check_trained_card(card: dict, name: str) -> None:
    """ModelFileError naming the first thing wrong with a trained model's card (the card of ``name``)."""
    if not isinstance(card, dict):
        raise ModelFileError(f"the card of {name!r} is not a JSON object")
    for field in ("file", "sha256", "bytes"):
        if field not in card:
            raise ModelFileError(f"the card of {name!r} has no {field!r} field")
    for field, kind in TRAINED_CARD_FIELDS.items():
        if not isinstance(card.get(field), kind):
            raise ModelFileError(f"the card of {name!r} has no {field!r} field" if field not in card else
                                 f"the card of {name!r}: {field!r} must be a JSON {_JSON_TYPE[kind]}")
    if card["name"] != name:
        raise ModelFileError(f"the card of {name!r} names another model, {card['name']!r}")
    if card["file"] != f"{name}.tflite":
        raise ModelFileError(f"the card of {name!r} names the file {card['file']!r}, not {name + '.tflite'!r}")
    if card["technique"] not in TECHNIQUES:
        raise ModelFileError(f"the card of {name!r} names technique {card['technique']!r}; the techniques are "
                             f"{', '.join(TECHNIQUES)}")
    if "int8" not in card["quantization"]:
        raise ModelFileError(f"the card of {name!r} says {card['quantization']!r}: an installed model is int8")
    if not isinstance(card["bytes"], int) or isinstance(card["bytes"], bool) or card["bytes"] <= 0:
        raise ModelFileError(f"the card of {name!r}: 'bytes' must be a positive whole number")
    if not (isinstance(card["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", card["sha256"])):
        raise ModelFileError(f"the card of {name!r}: 'sha256' must be 64 lowercase hex digits")


_JSON_TYPE = {str: "string", dict: "object"}


def choose(name: str, data_dir: Path | None = None) -> Choice:
    """What ``--model NAME`` runs: a technique's shipped model, or a model of the person's by its name."""
    if name in TECHNIQUES:
        return Choice(TECHNIQUES[name])
    owner = next((technique for technique in TECHNIQUES.values() if name in technique.model_files), None)
    if owner is not None:
        raise UnknownModel(f"{name!r} is a shipped model of {owner.name}: --model {owner.name} runs it "
                           "(its parameters choose among its models: keycomposer models lists them)")
    model = find_user_model(name, data_dir)
    if model.problem:
        raise ModelFileError(f"your model {name!r} cannot be used: {model.problem}")
    technique = TECHNIQUES[model.technique]
    if not technique.takes_trained_models:
        raise ModelError(f"your model {name!r} is a {technique.name} model, and {technique.title} cannot run a "
                         f"model you trained yet (only its shipped one)")
    return Choice(technique, model)


def find_user_model(name: str, data_dir: Path | None = None) -> Model:
    models = user_models(data_dir)
    for model in models:
        if model.name == name:
            return model
    raise _unknown(name, [model.name for model in models])


def _unknown(name: str, yours: list[str]) -> UnknownModel:
    return UnknownModel(f"no model called {name!r}: the techniques are {', '.join(TECHNIQUES)}"
                        + (f"; yours are {', '.join(yours)}" if yours else "; you have trained none")
                        + " (keycomposer models lists them)")


def install(content: bytes, card: dict, data_dir: Path | None = None) -> Model:
    """Install a trained model: ``content`` the .tflite bytes, ``card`` its card (``name`` says under which
    name). Refuses a name that is taken (shipped or the person's own), a card that does not hold, and bytes
    that are not the file the card describes; then writes both files at once (see the module's doc)."""
    name = card.get("name") if isinstance(card, dict) else None
    check_name(name)
    check_trained_card(card, name)
    check_model_bytes(content, card, f"the file given for {name!r}")
    folder = user_models_dir(data_dir)
    try:
        _write_model(folder, name, content, card)
    except OSError as error:  # a full disk, a read-only data folder: nothing is left half-written
        raise ModelError(f"cannot install {name!r} in {folder}: {error.strerror or error}") from error
    return _read_user_model(folder / name)


def _write_model(folder: Path, name: str, content: bytes, card: dict) -> None:
    final = folder / name
    staging = folder / f"{_STAGING}{name}.{os.getpid()}.{secrets.token_hex(4)}"
    os.makedirs(folder, exist_ok=True)
    _sweep(folder)
    if os.path.lexists(final):
        raise ModelError(f"you already have a model called {name!r}; delete it first "
                         f"(keycomposer models --delete {name}) or choose another name")
    os.mkdir(staging)
    try:
        _write_synced(staging / card["file"], content)
        _write_synced(staging / f"{name}.json", (json.dumps(card, indent=1) + "\n").encode())
        _sync_folder(staging)
        try:
            os.rename(staging, final)  # refused where `final` is a folder with files: one that appeared meanwhile
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
                raise ModelError(f"you already have a model called {name!r}; delete it first") from error
            raise
        _sync_folder(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def delete(name: str, data_dir: Path | None = None) -> None:
    """Delete a model of the person's (a broken one too); a shipped model or an unknown name is refused."""
    if name in shipped_names():
        raise ModelError(f"{name!r} is shipped with keycomposer; only a model you trained can be deleted")
    folder = user_models_dir(data_dir)
    try:
        yours = {entry.name for entry in os.scandir(folder) if not entry.name.startswith(".")}
    except FileNotFoundError:
        yours = set()
    if name not in yours:  # only a name listed in the folder, never a path made of what was typed
        raise _unknown(name, sorted(yours))
    _sweep(folder)
    path = folder / name
    doomed = folder / f"{_DELETING}{name}.{os.getpid()}.{secrets.token_hex(4)}"
    os.rename(path, doomed)  # from here on the model is gone for every reader
    _sync_folder(folder)
    _remove(doomed)


def _sweep(folder: Path) -> None:
    """Remove what a killed install or delete left: deletions, and stagings of a process that is gone."""
    for entry in os.scandir(folder):
        if entry.name.startswith(_DELETING):
            _remove(Path(entry.path))
        elif entry.name.startswith(_STAGING):
            pid = entry.name.rsplit(".", 2)[-2]
            if pid.isdigit() and not _alive(int(pid)):
                _remove(Path(entry.path))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists (another user's), or the system will not say: keep its files
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _sync_folder(path: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder to fsync it
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


__all__ = ["Choice", "KEY_FIGURES", "Model", "TRAINED_CARD_FIELDS", "UnknownModel",
           "all_models", "check_name", "check_trained_card", "choose", "delete", "find_user_model", "install",
           "shipped_models", "user_models", "user_models_dir"]
