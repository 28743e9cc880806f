"""`keycomposer train` (issue 31, the part that needs no trainer): its options, checked before any work; the
train extra it needs and says how to install; a folder of the person's MIDI files read and reported; and the
place a technique's trainer plugs in. No training happens here, and none is faked."""

import ast
import importlib.util
import sys
import tomllib
import types
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from keycomposer import model_catalog
from keycomposer.cli import main
from keycomposer.cli import train as train_command
from keycomposer.training import TRAINING_PACKAGES
from keycomposer.music.composition import Composition, Note, Track
from keycomposer.music.midi_io import write_midi

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
from trained_model_support import TOY, trained_card  # noqa: E402

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def with_train_extra(monkeypatch):
    """As if TensorFlow and music21 were installed, whether or not this environment has them."""
    monkeypatch.setattr(train_command, "missing_training_packages", lambda: [])


def plug_in(monkeypatch, technique, train):
    """A trainer module for ``technique``, as keycomposer.trainers.<technique> will be."""
    module = types.ModuleType(f"keycomposer.trainers.{technique}")
    module.train = train
    monkeypatch.setitem(sys.modules, module.__name__, module)


def one_line(capsys, code, *argv) -> str:
    assert main(list(argv)) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


class HidingFinder:
    """Wraps one of the import system's finders so that it finds none of ``hidden`` (top-level names)."""

    def __init__(self, finder, hidden):
        self.finder, self.hidden = finder, hidden

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.hidden or not hasattr(self.finder, "find_spec"):
            return None
        return self.finder.find_spec(name, path, target)


@pytest.fixture
def without_train_extra(monkeypatch):
    """The runtime install, where TensorFlow and music21 are absent: the test environment has them (for the
    trainers' tests), so they are hidden from the import system for one test: not found, not importable."""
    hidden = set(TRAINING_PACKAGES)
    for name in hidden:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(sys, "meta_path", [HidingFinder(finder, hidden) for finder in sys.meta_path])
    monkeypatch.setattr(sys, "path_importer_cache", {})


def test_hidden_packages_cannot_be_found_or_imported(without_train_extra):
    assert [importlib.util.find_spec(name) for name in TRAINING_PACKAGES] == [None, None]
    with pytest.raises(ModuleNotFoundError):
        import tensorflow  # noqa: F401
    assert importlib.util.find_spec("numpy") is not None


def test_without_the_train_extra_train_says_how_to_install_it(without_train_extra, data_dir, capsys):
    err = one_line(capsys, 2, "train", "gan", "--data", "bach", "--minutes", "10")
    assert err == ("keycomposer train: training needs tensorflow and music21, which the runtime install leaves "
                   "out: pip install 'keycomposer[train]'\n")


def test_the_message_names_only_what_is_missing(data_dir, capsys, monkeypatch):
    monkeypatch.setattr(train_command, "missing_training_packages", lambda: ["tensorflow"])
    err = one_line(capsys, 2, "train", "txl")
    assert "training needs tensorflow, which" in err and err.endswith("pip install 'keycomposer[train]'\n")


def test_no_module_the_runtime_imports_imports_tensorflow_keras_or_music21():
    """Only the trainers may (keycomposer.trainers, imported by nothing but training.trainer_for)."""
    heavy = {"tensorflow", "keras", "tf_keras", "music21", "keycomposer.trainers"}
    package = REPO / "host" / "keycomposer"
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.is_relative_to(package / "trainers"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(REPO)}: {name}" for name in names
                      if name.split(".")[0] in heavy or name.startswith("keycomposer.trainers")]
    assert found == []


def test_the_train_extra_brings_tensorflow_and_music21_on_every_platform():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    requirements = [Requirement(text) for text in extras["train"]]
    platforms = [("Linux", "x86_64", "linux"), ("Linux", "aarch64", "linux"), ("Windows", "AMD64", "win32"),
                 ("Darwin", "arm64", "darwin"), ("Darwin", "x86_64", "darwin")]
    for system, machine, platform in platforms:
        environment = {"platform_system": system, "platform_machine": machine, "sys_platform": platform}
        chosen = {r.name for r in requirements if r.marker is None or r.marker.evaluate(environment)}
        assert len(chosen & {"tensorflow", "tensorflow-cpu"}) == 1, (system, machine, chosen)
        assert "music21" in chosen
    # tensorflow-cpu has wheels for x86-64 Linux and Windows only (pip, 2026-12-07): elsewhere it is tensorflow
    cpu = next(r for r in requirements if r.name == "tensorflow-cpu")
    assert not cpu.marker.evaluate({"platform_system": "Darwin", "platform_machine": "arm64"})


def test_the_runtime_install_brings_no_tensorflow_music21_or_keras():
    """`bootstrap.sh` (the demo) installs the project with the models extra; only the train extra, which
    `bootstrap.sh test` adds for the trainers' tests and the notebooks, brings them."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = project["dependencies"] + project["optional-dependencies"]["models"]
    heavy = {"tensorflow", "tensorflow-cpu", "keras", "music21"}
    assert {Requirement(text).name for text in runtime} & heavy == set()
    assert {Requirement(text).name for text in project["optional-dependencies"]["train"]} & heavy


@pytest.mark.parametrize("argv, message", [
    (["--minutes", "0"], "--minutes must be a number above 0, got 0"),
    (["--epochs", "nan"], "--epochs must be a number above 0"),
    (["--lr", "-1"], "--lr must be a number above 0, got -1"),
    (["--batch", "0"], "--batch must be 1 or more, got 0"),
    (["--seed", "-3"], "--seed must be in range 0..4294967295, got -3"),
    (["--name", "arcnn_bach"], "'arcnn_bach' is the name of a shipped model or technique"),
    (["--name", "Bad Name"], "a model name is 1 to 64 of a-z"),
    (["--data", "jazz"], "--data jazz: no built-in data set of gan has that name (bach, quartet) and no folder"),
    (["--update-ratio", "0"], "--update-ratio must be a number, 1 or more, got 0"),
    (["--auxiliary", "-0.5"], "--auxiliary must be a number, 0 or more, got -0.5"),
    (["--auxiliary", "inf"], "--auxiliary must be a number, 0 or more, got inf"),
    (["--width", "0"], "--width must be a number, 1 or more, got 0"),
])
def test_options_that_cannot_be_used_are_one_line_before_any_work(data_dir, capsys, with_train_extra, argv, message):
    assert message in one_line(capsys, 1, "train", "gan", *argv)


@pytest.mark.parametrize("argv, message", [
    (["--width", "30"], "--width 30 must be even and a multiple of --heads (4)"),
    (["--width", "16", "--heads", "3"], "--width 16 must be even and a multiple of --heads (3)"),
    (["--heads", "5"], "--width 128 must be even and a multiple of --heads (5)"),
    (["--layers", "0"], "--layers must be a number, 1 or more, got 0"),
    (["--memory", "-1"], "--memory must be a number, 1 or more, got -1"),
])
def test_transformer_xl_shapes_that_cannot_be_built_are_one_line(data_dir, capsys, with_train_extra, argv, message):
    assert message in one_line(capsys, 1, "train", "txl", *argv)


def test_a_trainer_gets_only_the_options_of_its_technique_that_were_given(data_dir, with_train_extra, monkeypatch):
    seen = []
    plug_in(monkeypatch, "txl", lambda request, data: seen.append(request) or 0)
    assert main(["train", "txl", "--layers", "2", "--memory", "64"]) == 0
    assert seen[0].options == {"layers": 2, "width": None, "heads": None, "memory": 64}
    plug_in(monkeypatch, "arcnn", lambda request, data: seen.append(request) or 0)
    assert main(["train", "arcnn"]) == 0
    assert not seen[1].options
    with pytest.raises(SystemExit):
        main(["train", "arcnn", "--layers", "2"])  # the Transformer-XL's options are not the AR-CNN's


def test_minutes_and_epochs_together_are_a_usage_error(data_dir, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "arcnn", "--minutes", "5", "--epochs", "2"])
    assert exit_.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_name_you_already_use_is_refused_unless_resuming(data_dir, capsys, with_train_extra, monkeypatch):
    model_catalog.install(TOY, trained_card("mine", TOY))
    assert "you already have a model called 'mine'" in one_line(capsys, 1, "train", "arcnn", "--name", "mine")
    seen = []
    plug_in(monkeypatch, "arcnn", lambda request, data: seen.append(request) or 0)
    assert main(["train", "arcnn", "--name", "mine", "--resume"]) == 0
    assert seen[0].resume and seen[0].name == "mine"


def write_folder(folder, count=30):
    folder.mkdir(parents=True)
    for number in range(count):
        pitches = [60 + (number * 5 + i * (number % 7 + 1)) % 12 for i in range(6)]
        notes = tuple(Note(i * 480, pitch, 480, 80) for i, pitch in enumerate(pitches))
        write_midi(Composition((Track(notes=notes),), 480), folder / f"song{number:02}.mid")
    (folder / "broken.mid").write_bytes(b"not midi")


def test_a_folder_is_read_and_reported_then_a_technique_with_no_trainer_says_so(data_dir, tmp_path, capsys,
                                                                                  with_train_extra, monkeypatch):
    write_folder(tmp_path / "My Songs!")
    monkeypatch.setitem(sys.modules, "keycomposer.trainers.gan", None)  # as if gan had no trainer module
    assert main(["train", "gan", "--data", str(tmp_path / "My Songs!"), "--epochs", "3"]) == 2
    captured = capsys.readouterr()
    assert "left out broken.mid: not a MIDI file" in captured.out
    assert "30 pieces (180 notes), 1 files left out; split by piece: train" in captured.out
    assert captured.err == ("keycomposer train: training gan from this command is not wired in yet "
                            "(tools/gan/README.md says how it is trained today)\n")


def test_a_trainer_gets_the_request_and_the_folders_pieces(data_dir, tmp_path, capsys, with_train_extra, monkeypatch):
    write_folder(tmp_path / "My Songs!")
    got = []
    plug_in(monkeypatch, "txl", lambda request, data: got.append((request, data)) or 0)
    assert main(["train", "txl", "--data", str(tmp_path / "My Songs!"), "--minutes", "2.5", "--seed", "7",
                 "--lr", "0.0003", "--batch", "8"]) == 0
    (request, data), = got
    assert (request.technique, request.name, request.minutes, request.epochs, request.seed, request.lr,
            request.batch, request.resume) == ("txl", "txl-my-songs", 2.5, None, 7, 0.0003, 8, False)
    assert request.data == tmp_path / "My Songs!" and not request.built_in
    assert len(data.pieces) == 30 and [s.name for s in data.skipped] == ["broken.mid"]


def test_the_gans_own_options_reach_its_trainer_and_other_techniques_do_not_take_them(data_dir, capsys, monkeypatch,
                                                                                     with_train_extra):
    got = []
    plug_in(monkeypatch, "gan", lambda request, data: got.append(request) or 0)
    assert main(["train", "gan", "--update-ratio", "5", "--auxiliary", "0", "--name", "pure"]) == 0
    assert main(["train", "gan", "--width", "64"]) == 0
    assert got[0].options == {"update_ratio": 5, "auxiliary": 0.0, "width": None}
    assert got[1].options == {"update_ratio": None, "auxiliary": None, "width": 64}  # None: the trainer's default
    with pytest.raises(SystemExit) as exit_:
        main(["train", "arcnn", "--update-ratio", "5"])
    assert exit_.value.code == 2 and "unrecognized arguments: --update-ratio" in capsys.readouterr().err


def test_a_built_in_set_wins_over_a_folder_of_its_name_unless_written_as_a_path(data_dir, tmp_path, monkeypatch,
                                                                                   with_train_extra):
    write_folder(tmp_path / "bach")
    monkeypatch.chdir(tmp_path)
    got = []
    plug_in(monkeypatch, "arcnn", lambda request, data: got.append((request, data)) or 0)
    assert main(["train", "arcnn"]) == 0 and main(["train", "arcnn", "--data", "./bach", "--name", "folder"]) == 0
    assert (got[0][0].data, got[0][0].name, got[0][1]) == ("bach", "arcnn-bach", None)
    assert got[1][0].data == Path("bach") and len(got[1][1].pieces) == 30


def test_an_empty_folder_is_one_line(data_dir, tmp_path, capsys, with_train_extra):
    (tmp_path / "empty").mkdir()
    assert "holds no MIDI files" in one_line(capsys, 1, "train", "gan", "--data", str(tmp_path / "empty"))


def test_a_trainer_that_cannot_import_what_it_needs_is_not_taken_for_a_missing_one(monkeypatch):
    from keycomposer.training import trainer_for

    monkeypatch.setitem(sys.modules, "keycomposer.trainers.gan", None)
    assert trainer_for("gan") is None  # as if there were no keycomposer.trainers.gan
    monkeypatch.delitem(sys.modules, "keycomposer.trainers.gan")

    def fails(name, *args, **kwargs):
        raise ModuleNotFoundError("No module named 'keras_nlp'", name="keras_nlp")

    monkeypatch.setattr("importlib.import_module", fails)
    with pytest.raises(ModuleNotFoundError, match="keras_nlp"):
        trainer_for("gan")
