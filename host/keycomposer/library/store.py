"""The composition library: an SQLite index plus one .mid file per entry, under the data directory.

Layout::

    <data dir>/library.sqlite3          the index (WAL mode, so readers never block the writer)
    <data dir>/compositions/000042.mid  entry 42; file names come from ids, never from user names

Crash safety. A save holds SQLite's write lock from start to finish: it inserts the row (which
gives the id), writes the .mid to a temporary file (``.saving-<final name>.<pid>.<random>``) and fsyncs
it, hard-links it to its final name (never replacing a file that is there), fsyncs the directory,
commits, and only then removes the temporary name. A process killed at any point therefore leaves
either a committed row whose file is complete, or no row at all plus, at worst, a temporary file and
a second name of that same file. Opening the library sweeps those while holding the write lock (so
no save of another process can be half-way at that moment), and nothing else: a .mid that no row
names is left alone (an older index restored beside newer files must not cost the newer files), and
the sweep never follows a symbolic link. Deleting removes the row first and the file after.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import sqlite3
import stat
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from keycomposer.bounded_read import read_bounded
from keycomposer.library.paths import default_data_dir
from keycomposer.music.composition import Composition
from keycomposer.music.metrics import composition_metrics
from keycomposer.music.midi_io import MAX_FILE_BYTES, MidiFileError, from_midi_bytes, read_midi, to_midi_bytes

KINDS = ("recording", "generation", "import", "edit")
MAX_NAME_LENGTH = 200
BUSY_TIMEOUT_S = 30.0
_DATABASE = "library.sqlite3"
_FILES = "compositions"
_TEMP_PREFIX = ".saving-"
# A save's temporary file: the prefix, the final name, the writer's pid, 8 random hex digits.
_TEMP_NAME = re.compile(r"\.saving-(?P<final>[0-9]{6}(?:-[0-9]{1,3})?\.mid)\.[0-9]+\.[0-9a-f]{8}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS compositions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recording', 'generation', 'import', 'edit')),
    source TEXT,
    model TEXT,
    parameters TEXT NOT NULL,
    metrics TEXT NOT NULL,
    file TEXT NOT NULL
)
"""


_MAX_ID = 2**63 - 1  # SQLite's largest INTEGER


def is_library_id(text: str) -> bool:
    """Whether ``text`` is written as a library id: ASCII digits only (no '²', no '٣', no sign)."""
    return re.fullmatch(r"[0-9]+", text) is not None


class LibraryError(Exception):
    """A library operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One saved composition. ``source`` is what it was made from: a library id, ``sample:NAME`` or a path."""

    id: int
    name: str
    created: str  # ISO 8601, UTC
    kind: str
    source: str | None
    model: str | None
    parameters: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    path: Path = Path()

    def to_json(self) -> dict:
        return {
            "id": self.id, "name": self.name, "created": self.created, "kind": self.kind,
            "source": self.source, "model": self.model, "parameters": self.parameters,
            "metrics": self.metrics, "path": str(self.path),
        }


# Characters that change how the text AROUND them is shown: the bidirectional embeddings, overrides and
# isolates (Unicode 15, UAX #9), and the line and paragraph separators. A name holding one could show in a
# listing as another name, or break the listing's lines. (Other format characters, such as the zero-width
# joiner inside an emoji, only shape their neighbours and are kept.)
_UNSAFE_FORMAT = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_unsafe_format(character: str) -> bool:
    return character in _UNSAFE_FORMAT or unicodedata.category(character) in ("Zl", "Zp")


def check_name(name: str) -> str:
    """A display name, stripped; refuses empty, over-long, control-character and path-like names.

    Names never become file names, but one that looks like a path (separators, ``..``, a drive or
    an absolute path, NUL) is refused so no later export or tool is tempted to use it as one.
    """
    if not isinstance(name, str):
        raise LibraryError(f"name must be text, not {type(name).__name__}")
    stripped = name.strip()
    if not stripped:
        raise LibraryError("name is empty")
    if len(stripped) > MAX_NAME_LENGTH:
        raise LibraryError(f"name is {len(stripped)} characters long, more than {MAX_NAME_LENGTH}")
    if "\0" in stripped:
        raise LibraryError("name contains a NUL character")
    if any(0xD800 <= ord(character) <= 0xDFFF for character in stripped):
        raise LibraryError("name is not valid UTF-8 (as typed, or as the terminal passed it on)")
    if any(unicodedata.category(character) == "Cc" for character in stripped):
        raise LibraryError("name contains a control character")
    unsafe = next((character for character in stripped if _is_unsafe_format(character)), None)
    if unsafe is not None:
        raise LibraryError(f"name contains U+{ord(unsafe):04X} ({unicodedata.name(unsafe, 'a format character')}), "
                           "which changes how the text around it is shown")
    if "/" in stripped or "\\" in stripped:
        raise LibraryError(f"name {stripped!r} contains a path separator")
    if ".." in stripped or stripped == ".":
        raise LibraryError(f"name {stripped!r} contains '..' (a relative path); use '…' for an ellipsis")
    if len(stripped) >= 2 and stripped[1] == ":" and stripped[0].isalpha():
        raise LibraryError(f"name {stripped!r} looks like a drive path")
    if stripped.startswith("~"):
        raise LibraryError(f"name {stripped!r} looks like a home-directory path")
    return stripped


def safe_name(text: str, fallback: str = "untitled") -> str:
    """An acceptable name made from any text (a MIDI file's title, a file name): path separators
    become '-', runs of dots become '…', control characters go, and it is cut to the length limit.
    For names a person typed, use ``check_name`` instead, which refuses rather than repairs."""
    cleaned = "".join(character for character in str(text)
                      if unicodedata.category(character) not in ("Cc", "Cs") and not _is_unsafe_format(character))
    cleaned = re.sub(r"[/\\]", "-", cleaned)
    cleaned = re.sub(r"\.{2,}", "…", cleaned).strip().lstrip("~").strip()
    if len(cleaned) >= 2 and cleaned[1] == ":" and cleaned[0].isalpha():
        cleaned = cleaned[0] + " -" + cleaned[2:]
    cleaned = cleaned[:MAX_NAME_LENGTH].strip()
    return cleaned if cleaned and cleaned != "." else fallback


def _use_write_ahead_log(connection: sqlite3.Connection) -> None:
    """Switch the database to WAL mode (once per database; it sticks). SQLite answers "database is locked"
    at once, without waiting on the busy timeout, when another process opens a new library at the same
    moment; that is retried here for up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
            continue
        if mode.lower() == "wal":
            return
        raise sqlite3.OperationalError(f"the database stays in {mode} journal mode, not WAL")


class Library:
    """The library in ``root`` (default: the user's data directory). Usable from several processes at once."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_data_dir()
        self.files = self.root / _FILES
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(
                self.root / _DATABASE, timeout=BUSY_TIMEOUT_S, isolation_level=None
            )
        except (OSError, sqlite3.Error) as error:
            raise LibraryError(f"cannot open the library in {self.root}: {error}") from error
        try:
            self._connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _use_write_ahead_log(self._connection)
            self._connection.execute("PRAGMA synchronous = FULL")
            self._connection.execute(_SCHEMA)
            self.sweep()
        except sqlite3.DatabaseError as error:
            self._connection.close()
            raise LibraryError(f"the library database {self.root / _DATABASE} cannot be used: {error}") from error

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _write_transaction(self):
        return _WriteTransaction(self._connection)

    def sweep(self) -> list[Path]:
        """Remove what a process killed mid-save left: its temporary files, and a final name that is a
        second link of such a file and that no row owns. Returns what it removed.

        Only files this library can prove it wrote are touched: regular files (never a symbolic link,
        never a folder) directly in its own compositions folder, named as a save names its temporary
        files. When the compositions folder is itself a link, nothing is swept.
        """
        removed: list[Path] = []
        if self.files.is_symlink() or not self.files.is_dir():
            return removed
        with self._write_transaction():
            owned = {row[0] for row in self._connection.execute("SELECT file FROM compositions")}
            for temporary in self.files.iterdir():
                match = _TEMP_NAME.fullmatch(temporary.name)
                if match is None or not _is_regular_file(temporary):
                    continue
                final = self.files / match.group("final")
                if final.name not in owned and _is_regular_file(final) and os.path.samefile(final, temporary):
                    final.unlink()
                    removed.append(final)
                temporary.unlink(missing_ok=True)
                removed.append(temporary)
        return removed

    # -- reading -----------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Every entry, oldest first."""
        rows = self._connection.execute("SELECT * FROM compositions ORDER BY id").fetchall()
        return [self._entry(row) for row in rows]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return self._connection.execute("SELECT COUNT(*) FROM compositions").fetchone()[0]

    def get(self, entry_id: int | str) -> Entry:
        """The entry with ``entry_id``; LibraryError if there is none."""
        number = self._parse_id(entry_id)
        row = self._connection.execute("SELECT * FROM compositions WHERE id = ?", (number,)).fetchone()
        if row is None:
            raise LibraryError(f"the library has no composition {number}")
        return self._entry(row)

    def load(self, entry_id: int | str) -> Composition:
        """The composition saved as ``entry_id``."""
        entry = self.get(entry_id)
        try:
            composition = from_midi_bytes(self._file_bytes(entry))
        except MidiFileError as error:
            raise MidiFileError(f"composition {entry.id}'s file {entry.path}: {error}") from error
        return Composition(composition.tracks, composition.resolution, composition.tempos,
                           composition.time_signatures, entry.name)

    # -- writing -----------------------------------------------------------------------------

    def save(
        self,
        composition: Composition,
        kind: str,
        name: str | None = None,
        source: str | None = None,
        model: str | None = None,
        parameters: dict | None = None,
        metrics: dict | None = None,
    ) -> Entry:
        """Save ``composition`` as a new entry and return it. Metrics are computed when not given.

        A ``name`` given is checked (``check_name``: LibraryError if it looks like a path); with no
        name, the composition's own name is made safe (``safe_name``), so any title can be saved.

        Once this returns, the entry survives any crash; if the process dies before, nothing is left.
        """
        if kind not in KINDS:
            raise LibraryError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        name = check_name(name) if name is not None else safe_name(composition.name, fallback=kind)
        source = None if source is None else _storable(source)
        parameters_json = json.dumps(parameters or {}, sort_keys=True)
        metrics_json = json.dumps(metrics if metrics is not None else composition_metrics(composition))
        data = to_midi_bytes(composition)
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._write_transaction():
            cursor = self._connection.execute(
                "INSERT INTO compositions (name, created, kind, source, model, parameters, metrics, file) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, '')",
                (name, created, kind, source, model, parameters_json, metrics_json),
            )
            entry_id = int(cursor.lastrowid or 0)
            file_name, temporary = self._write_file_durably(entry_id, data)
            self._connection.execute("UPDATE compositions SET file = ? WHERE id = ?", (file_name, entry_id))
        temporary.unlink(missing_ok=True)  # the final name holds the data now; a sweep would remove it too
        return self.get(entry_id)

    def import_file(self, path: str | os.PathLike, name: str | None = None) -> Entry:
        """Import a MIDI file as a new entry. The file is read and checked before anything is written,
        so a failed import (MidiFileError, LibraryError) leaves the library untouched."""
        composition = read_midi(path)
        name = check_name(name) if name is not None else safe_name(composition.name or Path(path).stem)
        return self.save(composition, "import", name=name, source=str(Path(path).resolve()))

    def rename(self, entry_id: int | str, name: str) -> Entry:
        entry = self.get(entry_id)
        name = check_name(name)
        with self._write_transaction():
            self._connection.execute("UPDATE compositions SET name = ? WHERE id = ?", (name, entry.id))
        return self.get(entry.id)

    def delete(self, entry_id: int | str) -> None:
        entry = self.get(entry_id)
        with self._write_transaction():
            self._connection.execute("DELETE FROM compositions WHERE id = ?", (entry.id,))
        if entry.path.parent == self.files and _is_regular_file(entry.path):  # a row never names a path elsewhere
            entry.path.unlink(missing_ok=True)

    def export(self, entry_id: int | str, destination: str | os.PathLike, replace: bool = False) -> Path:
        """Copy an entry's MIDI file to ``destination``, written whole and then put in place. An existing
        file is replaced only with ``replace``; a folder, link, pipe or device there never is."""
        entry = self.get(entry_id)
        destination = Path(destination)
        try:
            existing = os.lstat(destination)
        except FileNotFoundError:
            existing = None
        except OSError as error:
            raise LibraryError(f"cannot write {destination}: {error.strerror or error}") from error
        if existing is not None:
            if stat.S_ISDIR(existing.st_mode):
                raise LibraryError(f"{destination} is a directory; give a file name ending in .mid")
            if not stat.S_ISREG(existing.st_mode):
                raise LibraryError(f"{destination} exists and is not a plain file (a link, pipe or device); "
                                   "it is left as it is")
            if not replace:
                raise LibraryError(f"{destination} exists; add --force to replace it")
        data = self._file_bytes(entry)
        temporary = destination.with_name(f"{_TEMP_PREFIX}{destination.name}.{secrets.token_hex(4)}")
        try:
            with open(temporary, "xb") as handle:  # x: a new file, never one planted under this name
                handle.write(data)
            if replace:
                os.replace(temporary, destination)
            else:
                _link_without_replacing(temporary, destination)  # a file that came meanwhile is kept
                temporary.unlink(missing_ok=True)
        except FileExistsError as error:
            temporary.unlink(missing_ok=True)
            raise LibraryError(f"{destination} exists; add --force to replace it") from error
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise LibraryError(f"cannot write {destination}: {error.strerror or error}") from error
        return destination

    # -- helpers -----------------------------------------------------------------------------

    def _file_bytes(self, entry: Entry) -> bytes:
        """The bytes of an entry's file; LibraryError, naming the entry, when it is missing or unreadable."""
        try:
            return read_bounded(entry.path, MAX_FILE_BYTES)
        except FileNotFoundError as error:
            raise LibraryError(f"composition {entry.id}'s file {entry.path} is missing") from error
        except OSError as error:
            raise LibraryError(f"composition {entry.id}'s file {entry.path} cannot be read: "
                               f"{error.strerror or error}") from error

    def _write_file_durably(self, entry_id: int, data: bytes) -> tuple[str, Path]:
        """Write ``data`` under a new file name for ``entry_id`` and return (that name, the temporary
        name still linked to it). A name that is taken (a file no row of this index owns, say from an
        index restored from a backup) is never replaced: the next free one is used instead."""
        for attempt in range(1000):
            file_name = f"{entry_id:06d}.mid" if attempt == 0 else f"{entry_id:06d}-{attempt}.mid"
            if not os.path.lexists(self.files / file_name):
                break
        else:
            raise LibraryError(f"no free file name for composition {entry_id} in {self.files}")
        temporary = self.files / f"{_TEMP_PREFIX}{file_name}.{os.getpid()}.{secrets.token_hex(4)}"
        try:
            with open(temporary, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            _link_without_replacing(temporary, self.files / file_name)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise LibraryError(f"cannot write {self.files / file_name}: {error.strerror or error}") from error
        _fsync_directory(self.files)
        return file_name, temporary

    @staticmethod
    def _parse_id(entry_id: int | str) -> int:
        text = str(entry_id).strip()
        if not is_library_id(text):  # str.isdigit() takes '²' and other digits int() refuses
            raise LibraryError(f"a library id is a positive number, got {entry_id!r}")
        digits = text.lstrip("0") or "0"
        if len(digits) > len(str(_MAX_ID)) or int(digits) > _MAX_ID:  # int() of 5,000 digits raises
            raise LibraryError(f"the library has no composition {text[:30]}{'…' if len(text) > 30 else ''} "
                               f"(ids go up to {_MAX_ID})")
        return int(digits)

    def _entry(self, row: tuple) -> Entry:
        entry_id, name, created, kind, source, model, parameters, metrics, file_name = row
        return Entry(entry_id, name, created, kind, source, model, json.loads(parameters), json.loads(metrics),
                     self.files / file_name)


class _WriteTransaction:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front (waiting up to the busy timeout);
    rolls back on any exception."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def __enter__(self) -> None:
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise LibraryError(f"the library is busy (another process holds it): {error}") from error

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._connection.execute("ROLLBACK" if exc_type else "COMMIT")


def _storable(text: str) -> str:
    """Text SQLite can store: a path that was not valid UTF-8 arrives with lone surrogates (Python's
    surrogateescape), which are shown as U+FFFD instead."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_regular_file(path: Path) -> bool:
    """A plain file, not a link to one (lstat: the link itself is looked at, never followed)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _link_without_replacing(source: Path, destination: Path) -> None:
    """Give ``source`` the second name ``destination``, failing if that exists. Where the file system
    has no hard links (FAT), rename instead: the caller holds the write lock and checked that the name
    is free, and a crash then leaves a file that the sweep cannot prove is its own, so it stays."""
    try:
        os.link(source, destination)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if os.path.lexists(destination):
            raise FileExistsError(errno.EEXIST, "file exists", str(destination)) from error
        os.replace(source, destination)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); Windows cannot open a directory and needs no such step."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
