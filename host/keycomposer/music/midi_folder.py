"""A folder of the person's MIDI files, read as data to train on: the pieces, split by piece, and the files left out.

Every ``.mid`` / ``.midi`` file under the folder (its subfolders too; names starting with "." are passed over,
as are the ``._NAME.mid`` resource files macOS leaves beside copies) is read as ``keycomposer import`` reads one,
with the same limits (``keycomposer.music.midi_io``: size, tracks, events, notes, length). A file that cannot be
used is listed with its reason and left out, never fatal: not a MIDI file, over a limit, no notes, or the same
notes as a file read before it. A folder with nothing usable left is a ``TrainingDataError`` saying why.

The split is by piece and needs nothing but the piece: the sha256 of its notes (onset from its first note, pitch,
length, all in beats, whatever the tracks, channels, tempo or file) picks its side, so a piece is on one side
only, a copy of it is on the same side (and left out as a copy), and adding files to the folder never moves a
piece that was there from one side to another. Each technique turns the pieces (compositions: tracks of notes)
into its own examples.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

from keycomposer.music.composition import Composition
from keycomposer.music.midi_io import MidiFileError, read_midi

MIDI_SUFFIXES = (".mid", ".midi")
MAX_FILES = 5000  # MIDI files in one folder: a composer's life's work is a few hundred
MAX_TOTAL_NOTES = 2_000_000  # notes of all pieces together: the 371 Bach chorales hold about 100 000
# Side of the split by the first 4 bytes of a piece's key, mod 100 (the shipped AR-CNN's rule): train below
# the first bound, validation below the second, test above.
SPLIT_BOUNDS = (("train", 80), ("valid", 90), ("test", 100))
SIDES = tuple(side for side, _ in SPLIT_BOUNDS)


class TrainingDataError(ValueError):
    """The folder gives nothing to train on; the message says why."""


@dataclass(frozen=True)
class Piece:
    """One usable file: ``name`` its path under the folder ('/' between folders), ``key`` the sha256 of its notes."""

    name: str
    composition: Composition
    key: str

    @property
    def side(self) -> str:
        return side_of(self.key)


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


@dataclass(frozen=True)
class FolderData:
    folder: Path
    pieces: tuple[Piece, ...]  # every usable piece, in the order of their names
    skipped: tuple[Skipped, ...]

    def side(self, side: str) -> tuple[Piece, ...]:
        if side not in SIDES:
            raise ValueError(f"a side of the split is one of {', '.join(SIDES)}, got {side!r}")
        return tuple(piece for piece in self.pieces if piece.side == side)

    @property
    def train(self) -> tuple[Piece, ...]:
        return self.side("train")

    @property
    def valid(self) -> tuple[Piece, ...]:
        return self.side("valid")

    @property
    def test(self) -> tuple[Piece, ...]:
        return self.side("test")

    def counts(self) -> dict[str, int]:
        return {side: len(self.side(side)) for side in SIDES}


def notes_key(composition: Composition) -> str:
    """The sha256 of a composition's notes, read in beats from its first onset: the same music gives the same
    key whatever its file's resolution, tempo, track names, channels or velocities."""
    notes = [note for track in composition.tracks for note in track.notes]
    first = min((note.start for note in notes), default=0)
    resolution = composition.resolution
    rows = sorted((Fraction(note.start - first, resolution), note.pitch, Fraction(note.duration, resolution))
                  for note in notes)
    text = "\n".join(f"{start} {pitch} {length}" for start, pitch, length in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def side_of(key: str) -> str:
    bucket = int(key[:8], 16) % 100
    return next(side for side, bound in SPLIT_BOUNDS if bucket < bound)


def midi_files(folder: Path) -> list[Path]:
    """The MIDI files under ``folder``, sorted by their path; TrainingDataError past MAX_FILES."""
    found = []
    for root, folders, files in os.walk(folder):  # symbolic links to folders are not followed: no loops
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(MIDI_SUFFIXES):
                found.append(Path(root) / name)
                if len(found) > MAX_FILES:
                    raise TrainingDataError(f"{folder} holds more than {MAX_FILES} MIDI files; "
                                            "choose a folder with fewer")
    return found


def read_midi_folder(folder: str | os.PathLike, advance: Callable[[int], None] | None = None,
                     need: tuple[str, ...] = ("train", "valid")) -> FolderData:
    """Read every MIDI file under ``folder`` (see the module's doc); ``advance(1)`` after each file. The sides in
    ``need`` must each get a piece, else TrainingDataError says how the usable pieces fell."""
    folder = Path(folder)
    if not folder.exists():
        raise TrainingDataError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise TrainingDataError(f"{folder} is a file; --data takes a folder of MIDI files")
    files = midi_files(folder)
    if not files:
        raise TrainingDataError(f"{folder} holds no MIDI files (.mid, .midi)")
    pieces: list[Piece] = []
    skipped: list[Skipped] = []
    first_of: dict[str, str] = {}
    total_notes = 0
    for path in files:
        name = path.relative_to(folder).as_posix()
        reason, piece = _read_piece(path, name)
        if piece is not None:
            if piece.key in first_of:
                reason, piece = f"the same notes as {first_of[piece.key]}", None
            elif total_notes + piece.composition.note_count > MAX_TOTAL_NOTES:
                reason, piece = f"the pieces before it already hold {total_notes} notes; at most {MAX_TOTAL_NOTES}", None
        if piece is None:
            skipped.append(Skipped(name, reason))
        else:
            first_of[piece.key] = name
            total_notes += piece.composition.note_count
            pieces.append(piece)
        if advance is not None:
            advance(1)
    data = FolderData(folder, tuple(pieces), tuple(skipped))
    if not pieces:
        reasons = "; ".join(f"{s.name}: {s.reason}" for s in skipped[:3]) + ("; ..." if len(skipped) > 3 else "")
        raise TrainingDataError(f"none of the {len(files)} MIDI files in {folder} can be used ({reasons})")
    empty = [side for side in need if not data.side(side)]
    if empty:
        counts = ", ".join(f"{side} {count}" for side, count in data.counts().items())
        raise TrainingDataError(
            f"{folder}: of {len(pieces)} usable pieces none fell in {' or '.join(empty)} ({counts}; a piece's side "
            f"comes from its notes, about {_share('train')} % train, {_share('valid')} % validation, "
            f"{_share('test')} % test): add more pieces")
    return data


def _share(side: str) -> int:
    bounds = [0] + [bound for _, bound in SPLIT_BOUNDS]
    index = SIDES.index(side)
    return bounds[index + 1] - bounds[index]


def _read_piece(path: Path, name: str) -> tuple[str, Piece | None]:
    if not path.is_file():
        return "not a regular file (a pipe, a device or a broken link)", None
    try:
        composition = read_midi(path)
    except MidiFileError as error:
        message = str(error)
        prefix = f"{path}: "
        return (message[len(prefix):] if message.startswith(prefix) else message), None
    if composition.note_count == 0:
        return "no notes", None
    return "", Piece(name, composition, notes_key(composition))
