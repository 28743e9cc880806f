"""A folder of the person's MIDI files read to train on (issue 31): the importer's limits, bad files listed with
their reason and left out, a split by piece that never puts one piece (or a copy of it) on two sides."""

import os

import pytest

from keycomposer.music import midi_folder
from keycomposer.music.composition import Composition, Note, Tempo, Track
from keycomposer.music.midi_folder import TrainingDataError, notes_key, read_midi_folder
from keycomposer.music.midi_io import write_midi


def melody(number: int, resolution: int = 480, bpm: float = 120.0) -> Composition:
    """A short melody of its own for each number (pitches drawn from the number's digits)."""
    pitches = [60 + (number * 7 + i * (number % 5 + 1)) % 12 for i in range(8)]
    notes = tuple(Note(i * resolution, pitch, resolution, 90) for i, pitch in enumerate(pitches))
    return Composition((Track(notes=notes, name="melody"),), resolution, (Tempo.from_bpm(bpm),))


def write_pieces(folder, numbers, prefix="piece"):
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        write_midi(melody(number), folder / f"{prefix}{number:03}.mid")


def test_the_same_notes_have_the_same_key_whatever_the_file_says_around_them():
    assert notes_key(melody(3)) == notes_key(melody(3, resolution=96, bpm=72))
    moved = melody(3)
    later = Composition((Track(notes=tuple(Note(n.start + 1920, n.pitch, n.duration, 40) for n in moved.tracks[0].notes),
                               channel=4, name="other"),), 480)
    assert notes_key(later) == notes_key(moved)  # leading silence, velocity, channel, names: the same piece
    assert notes_key(melody(3)) != notes_key(melody(4))


def test_every_piece_is_on_one_side_and_adding_files_moves_none(tmp_path):
    write_pieces(tmp_path / "mine", range(40))
    first = read_midi_folder(tmp_path / "mine")
    assert len(first.pieces) == 40 and first.skipped == ()
    sides = {piece.name: piece.side for piece in first.pieces}
    assert sum(first.counts().values()) == 40 and first.train and first.valid
    names = [{p.name for p in first.side(side)} for side in midi_folder.SIDES]
    assert not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2])
    write_pieces(tmp_path / "mine", range(40, 60))
    again = read_midi_folder(tmp_path / "mine")
    assert {p.name: p.side for p in again.pieces if p.name in sides} == sides


def test_bad_files_are_listed_with_their_reason_and_left_out(tmp_path):
    folder = tmp_path / "mine"
    write_pieces(folder, range(30))
    (folder / "notes.txt").write_text("not looked at: not a .mid file")
    (folder / "broken.mid").write_bytes(b"RIFF....not midi")
    (folder / "cut.mid").write_bytes((folder / "piece001.mid").read_bytes()[:30])
    write_midi(Composition((Track(notes=()),), 480), folder / "silent.mid")
    (folder / "sub").mkdir()
    write_midi(melody(5, resolution=96, bpm=60), folder / "sub" / "copy of five.MID")
    (folder / ".hidden.mid").write_bytes(b"junk")
    (folder / "._piece002.mid").write_bytes(b"\x00\x05\x16\x07 macOS resource fork")
    header = b"MThd\x00\x00\x00\x06\x00\x01\x00\x41\x01\xe0"  # 65 tracks declared: over the importer's limit
    (folder / "huge.mid").write_bytes(header)
    data = read_midi_folder(folder)
    assert len(data.pieces) == 30
    reasons = {skipped.name: skipped.reason for skipped in data.skipped}
    assert set(reasons) == {"broken.mid", "cut.mid", "silent.mid", "sub/copy of five.MID", "huge.mid"}
    assert "not a MIDI file" in reasons["broken.mid"]
    assert "truncated" in reasons["cut.mid"]
    assert "no notes" in reasons["silent.mid"]
    assert reasons["sub/copy of five.MID"] == "the same notes as piece005.mid"
    assert "65 tracks, more than the 64" in reasons["huge.mid"]
    assert not any(str(folder) in reason for reason in reasons.values())  # the name is said once, in the listing


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_pipe_named_like_a_midi_file_is_left_out_without_waiting(tmp_path):
    folder = tmp_path / "mine"
    write_pieces(folder, range(30))
    os.mkfifo(folder / "pipe.mid")
    data = read_midi_folder(folder)
    assert [(s.name, s.reason.split(" (")[0]) for s in data.skipped] == [("pipe.mid", "not a regular file")]


def test_a_folder_with_nothing_to_train_on_is_a_clear_error(tmp_path):
    with pytest.raises(TrainingDataError, match="no such folder"):
        read_midi_folder(tmp_path / "missing")
    (tmp_path / "a.mid").write_bytes(b"x")
    with pytest.raises(TrainingDataError, match="is a file; --data takes a folder of MIDI files"):
        read_midi_folder(tmp_path / "a.mid")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("hi")
    with pytest.raises(TrainingDataError, match=r"holds no MIDI files \(.mid, .midi\)"):
        read_midi_folder(tmp_path / "empty")
    (tmp_path / "bad").mkdir()
    for name in ("x.mid", "y.mid"):
        (tmp_path / "bad" / name).write_bytes(b"not midi at all")
    with pytest.raises(TrainingDataError, match=r"none of the 2 MIDI files in .* can be used \(x.mid: not a MIDI"):
        read_midi_folder(tmp_path / "bad")


def test_too_few_pieces_to_have_a_validation_piece_says_how_they_fell(tmp_path):
    folder = tmp_path / "few"
    numbers = [n for n in range(200) if midi_folder.side_of(notes_key(melody(n))) == "train"][:3]
    write_pieces(folder, numbers)
    with pytest.raises(TrainingDataError, match=r"of 3 usable pieces none fell in valid \(train 3, valid 0, test 0; "
                                                r".*about 80 % train.*add more pieces"):
        read_midi_folder(folder)
    assert len(read_midi_folder(folder, need=("train",)).train) == 3


def test_more_files_than_a_folder_may_hold_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(midi_folder, "MAX_FILES", 5)
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(6):
        (folder / f"{number}.mid").write_bytes(b"never read")
    with pytest.raises(TrainingDataError, match="more than 5 MIDI files"):
        read_midi_folder(folder)


def test_pieces_past_the_total_note_limit_are_left_out_with_the_reason(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    write_pieces(folder, range(30))
    monkeypatch.setattr(midi_folder, "MAX_TOTAL_NOTES", 8 * 25)  # 8 notes a piece
    data = read_midi_folder(folder)
    assert len(data.pieces) == 25
    assert [s.name for s in data.skipped] == [f"piece{n:03}.mid" for n in range(25, 30)]
    assert "already hold 200 notes; at most 200" in data.skipped[0].reason


def test_progress_advances_once_a_file(tmp_path):
    write_pieces(tmp_path / "mine", range(30))
    steps = []
    read_midi_folder(tmp_path / "mine", advance=steps.append)
    assert steps == [1] * 30
