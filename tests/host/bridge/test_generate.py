"""`keycomposer generate` and `keycomposer models`: standalone generate mode over the technique registry."""

import importlib.util

import pytest

from keycomposer.cli import main
from keycomposer.library.store import Library
from keycomposer.techniques import TECHNIQUES, installed

HAS_RUNTIME = any(importlib.util.find_spec(name) for name in ("ai_edge_litert", "tflite_runtime"))
needs_gan = pytest.mark.skipif(not (HAS_RUNTIME and installed(TECHNIQUES["gan"])),
                               reason="needs the trained GAN in models_tflite/ and a TFLite runtime")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@needs_gan
def test_generate_saves_the_result_with_its_input_model_and_parameters(data_dir, tmp_path, capsys):
    out = tmp_path / "result.mid"
    assert main(["generate", "--model", "gan", "--input", "sample:ode_to_joy", "--style", "quartet",
                 "--seed", "4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "saved generation 1" in printed and "metrics:" in printed
    with Library() as library:
        (entry,) = library.entries()
        result = library.load(entry.id)
    assert (entry.kind, entry.model, entry.source) == ("generation", "gan", "sample:ode_to_joy")
    assert entry.parameters == {"style": "quartet", "chords": "error", "seed": 4}
    assert len(result.tracks) == 4 and out.exists()


@needs_gan
def test_the_same_seed_gives_the_same_generation(data_dir):
    for _ in range(2):
        assert main(["generate", "--model", "gan", "--input", "sample:twinkle", "--seed", "9"]) == 0
    with Library() as library:
        first, second = (library.load(e.id) for e in library.entries())
    assert first.tracks == second.tracks


@needs_gan
def test_with_no_seed_one_is_drawn_and_kept_so_the_result_can_be_made_again(data_dir):
    assert main(["generate", "--model", "gan", "--input", "sample:twinkle"]) == 0
    with Library() as library:
        (entry,) = library.entries()
    drawn = entry.parameters["seed"]
    assert isinstance(drawn, int)
    assert main(["generate", "--model", "gan", "--input", "sample:twinkle", "--seed", str(drawn)]) == 0
    with Library() as library:
        first, again = (library.load(e.id) for e in library.entries())
    assert first.tracks == again.tracks


def test_a_parameter_of_another_model_is_refused(data_dir, capsys):
    assert main(["generate", "--model", "gan", "--input", "sample:twinkle", "--iterations", "5"]) == 1
    assert "--iterations is not a parameter of gan" in capsys.readouterr().err


def test_a_value_out_of_range_names_the_parameter(data_dir, capsys):
    assert main(["generate", "--model", "arcnn", "--input", "sample:twinkle", "--creative-risk", "-1"]) == 1
    assert "--creative-risk must be in range" in capsys.readouterr().err


def test_an_untrained_model_is_a_clear_error_and_nothing_is_saved(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_MODELS_DIR", str(tmp_path / "no-models"))
    assert main(["generate", "--model", "gan", "--input", "sample:twinkle"]) == 1
    assert "not trained" in capsys.readouterr().err
    with Library() as library:
        assert len(library) == 0


def test_models_lists_every_technique_with_its_parameters(capsys):
    assert main(["models"]) == 0
    printed = capsys.readouterr().out
    for name, technique in TECHNIQUES.items():
        assert name in printed
        for parameter in technique.parameters:
            assert f"--{parameter.name}" in printed


needs_txl = pytest.mark.skipif(not (HAS_RUNTIME and installed(TECHNIQUES["txl"])),
                               reason="needs the trained Transformer-XL in models_tflite/ and a TFLite runtime")


@needs_txl
def test_transformer_xl_extends_the_input_by_at_most_the_seconds_asked_for(data_dir):
    from keycomposer.music.samples import sample_composition

    assert main(["generate", "--model", "txl", "--input", "sample:twinkle", "--seconds", "5", "--seed", "2"]) == 0
    melody = sample_composition("twinkle")
    with Library() as library:
        (entry,) = library.entries()
        result = library.load(entry.id)
    melody_end = melody.seconds(melody.end)
    added = [n for n in result.tracks[-1].notes]
    assert added and len(result.tracks) == 2
    assert result.seconds(max(n.end for n in added)) <= melody_end + 5 + 0.05
    assert entry.parameters["seconds"] == 5.0 and entry.parameters["seed"] == 2


def test_the_arcnn_defaults_offered_are_the_sampling_loops_own():
    from keycomposer.models.arcnn import SamplingSettings

    defaults = TECHNIQUES["arcnn"].defaults()
    loop = SamplingSettings()
    assert defaults == {"max_notes_to_add": loop.max_notes_to_add, "max_remove_percent": loop.max_remove_percent,
                        "iterations": loop.iterations, "creative_risk": loop.temperature}


needs_arcnn = pytest.mark.skipif(not (HAS_RUNTIME and installed(TECHNIQUES["arcnn"])),
                                 reason="needs the trained AR-CNN in models_tflite/ and a TFLite runtime")


@needs_arcnn
def test_arcnn_keeps_the_melody_as_played_and_adds_three_voices(data_dir):
    from keycomposer.music.samples import sample_composition

    assert main(["generate", "--model", "arcnn", "--input", "sample:twinkle", "--seed", "1"]) == 0
    melody = sample_composition("twinkle")
    with Library() as library:
        (entry,) = library.entries()
        result = library.load(entry.id)
    assert result.tracks[0].notes == melody.tracks[0].notes  # all 42 notes, the repeated ones included
    assert [t.name for t in result.tracks[1:]] == ["alto", "tenor", "bass"]
    assert all(t.notes for t in result.tracks[1:])


@needs_arcnn
def test_arcnn_with_no_iterations_gives_the_melody_back(data_dir):
    from keycomposer.music.samples import sample_composition

    assert main(["generate", "--model", "arcnn", "--input", "sample:ode_to_joy", "--iterations", "0"]) == 0
    with Library() as library:
        (entry,) = library.entries()
        result = library.load(entry.id)
    assert result.tracks == sample_composition("ode_to_joy").tracks  # all 30 notes, no empty voice tracks


@needs_arcnn
def test_arcnn_refuses_a_drums_only_file_in_one_line(data_dir, tmp_path, capsys):
    from keycomposer.music.composition import Composition, Note, Track
    from keycomposer.music.midi_io import write_midi

    drums = tmp_path / "drums.mid"
    write_midi(Composition(tracks=(Track(notes=(Note(0, 36, 240), Note(480, 38, 240)), channel=9),)), drums)
    assert main(["generate", "--model", "arcnn", "--input", str(drums)]) == 1
    err = capsys.readouterr().err
    assert "only drum notes" in err and "Traceback" not in err
    with Library() as library:
        assert len(library) == 0


@needs_gan
def test_a_melody_with_chords_gets_the_command_lines_option_in_the_hint(data_dir, tmp_path, capsys):
    from keycomposer.music import Composition, Note, Track, write_midi

    chords = Composition((Track((Note(0, 60, 480), Note(0, 64, 480), Note(480, 62, 480))),))
    write_midi(chords, tmp_path / "chords.mid")
    assert main(["generate", "--model", "gan", "--input", str(tmp_path / "chords.mid")]) == 1
    err = capsys.readouterr().err
    assert "`--chords top`" in err and err.count("\n") == 1
    assert main(["generate", "--model", "gan", "--input", str(tmp_path / "chords.mid"), "--chords", "top"]) == 0


@needs_gan
def test_an_ornamented_melody_is_accompanied_with_a_one_line_note_saying_how_it_was_read(data_dir, tmp_path, capsys):
    from keycomposer.music.composition import Composition, Note, Track
    from keycomposer.music.midi_io import write_midi

    grace = (Note(0, 72, 480), Note(480, 74, 40), Note(520, 72, 440), Note(960, 71, 960))
    path = tmp_path / "ornamented.mid"
    write_midi(Composition((Track(grace),)), path)
    assert main(["generate", "--model", "gan", "--input", str(path), "--seed", "1"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "note:" in line]
    assert notes == ["keycomposer generate: note: the melody has ornaments (notes one after the other inside one "
                     "16th) at bar 1, beat 2: the highest note of each was read as the melody"]
