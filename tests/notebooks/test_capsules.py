"""The learning capsules (notebooks/*.ipynb) run from top to bottom in a kernel of this environment, offline,
each training its tiny model and running the shipped one; an error in any cell fails its test. They need the
train extra (TensorFlow, music21), which `bootstrap.sh test` installs; skipped without it."""

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
CAPSULES = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_is_a_capsule_for_every_technique():
    assert [path.stem for path in CAPSULES] == ["arcnn", "gan", "txl"]


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", CAPSULES, ids=[path.stem for path in CAPSULES])
def test_the_capsule_runs_without_an_error(path, tmp_path, monkeypatch):
    missing = [name for name in ("tensorflow", "music21", "nbclient", "ipykernel", "ai_edge_litert")
               if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the capsules need {', '.join(missing)} (the train and test extras)")
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))  # nothing of the person's is touched
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the tiny runs' folders
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    pictures = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert len(pictures) >= 4  # the data, the training's curves, its pictures, the shipped model's work


def capsule_module():
    """notebooks/capsule.py, which the notebooks import from their folder."""
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        return importlib.import_module("capsule")
    finally:
        sys.path.remove(str(NOTEBOOKS))


def test_the_reader_picks_a_sample_or_a_midi_file_of_theirs(tmp_path):
    from keycomposer.music.midi_io import write_midi
    from keycomposer.music.samples import sample_composition

    capsule = capsule_module()
    assert capsule.pick_melody("twinkle") == sample_composition("twinkle")
    tune = capsule.grid_composition([[(0, 4, 60), (4, 6, 62)], [(0, 8, 48)]], ["melody", "bass"])
    write_midi(tune, tmp_path / "mine.mid")
    mine = capsule.pick_melody(str(tmp_path / "mine.mid"))
    assert [[(n.start, n.pitch, n.duration) for n in track.notes] for track in mine.tracks] == \
        [[(0, 60, 480), (480, 62, 240)], [(0, 48, 960)]]
    with pytest.raises(ValueError, match="'jazz.mid' is neither a sample .*twinkle.* nor a MIDI file"):
        capsule.pick_melody("jazz.mid")
