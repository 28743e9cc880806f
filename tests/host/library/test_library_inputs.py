"""resolve_input: sample:NAME, a library id, or a MIDI file path."""

import pytest

from keycomposer.library import InputError, Library, resolve_input
from keycomposer.music import MidiFileError, sample_composition, write_midi


def test_samples_ids_and_paths_resolve(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Library(tmp_path / "data") as library:
        saved = library.save(sample_composition("greensleeves"), "recording", name="mine")
        assert resolve_input("sample:twinkle", library) == sample_composition("twinkle")
        assert resolve_input(str(saved.id), library).name == "mine"
        write_midi(sample_composition("ode_to_joy"), tmp_path / "ode.mid")
        assert resolve_input("ode.mid", library).tracks[0].notes == sample_composition("ode_to_joy").tracks[0].notes


def test_an_id_opens_the_default_library_when_none_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    with Library() as library:
        library.save(sample_composition("twinkle"), "recording", name="default one")
    assert resolve_input("1").name == "default one"


def test_a_file_named_like_a_number_is_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_midi(sample_composition("new_world"), tmp_path / "7")
    assert resolve_input("7", None).tracks[0].notes == sample_composition("new_world").tracks[0].notes


@pytest.mark.parametrize("spec, error, message", [
    ("sample:nope", InputError, "no sample melody is called 'nope'"),
    ("99", InputError, "no composition 99"),
    ("missing.mid", InputError, "is not a file, a library id or sample:NAME"),
])
def test_unknown_inputs_say_what_was_tried(tmp_path, monkeypatch, spec, error, message):
    monkeypatch.chdir(tmp_path)
    with Library(tmp_path / "data") as library, pytest.raises(error, match=message):
        resolve_input(spec, library)


def test_a_broken_file_raises_midi_file_error(tmp_path):
    (tmp_path / "broken.mid").write_bytes(b"MThd")
    with pytest.raises(MidiFileError, match="broken.mid: truncated"):
        resolve_input(str(tmp_path / "broken.mid"))
