"""The library: saving, reading, names, files on disk, and imports that fail without a trace."""

import hashlib
import json
import os
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keycomposer.library import Library, LibraryError, check_name, safe_name
from keycomposer.music import Composition, MidiFileError, sample_composition, to_midi_bytes, write_midi


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "data") as opened:
        yield opened


def snapshot(library):
    """Everything a user could notice: rows and the bytes of every file in the data directory."""
    rows = library._connection.execute("SELECT * FROM compositions ORDER BY id").fetchall()
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in library.files.iterdir()}
    return rows, files


def test_save_then_load_gives_the_composition_back(library):
    twinkle = sample_composition("twinkle")
    entry = library.save(twinkle, "generation", model="ar-cnn", parameters={"temperature": 1.5},
                         source="sample:twinkle")
    assert entry.id == 1 and entry.kind == "generation" and entry.name == twinkle.name
    assert entry.parameters == {"temperature": 1.5} and entry.model == "ar-cnn" and entry.source == "sample:twinkle"
    assert entry.metrics["overall"]["key"] == "C major"
    assert library.load(entry.id) == twinkle
    assert library.get("1") == entry


def test_file_names_come_from_ids_not_names(library):
    entry = library.save(sample_composition("twinkle"), "recording", name="my song")
    assert entry.path == library.files / "000001.mid"
    assert [path.name for path in library.files.iterdir()] == ["000001.mid"]


def test_entries_are_listed_oldest_first_and_survive_reopening(tmp_path):
    with Library(tmp_path) as library:
        for name in ("one", "two", "three"):
            library.save(sample_composition("ode_to_joy"), "edit", name=name)
    with Library(tmp_path) as library:
        assert [entry.name for entry in library.entries()] == ["one", "two", "three"]
        assert len(library) == 3


def test_rename_delete_and_export(library, tmp_path):
    first = library.save(sample_composition("twinkle"), "recording")
    second = library.save(sample_composition("greensleeves"), "recording")
    assert library.rename(first.id, "  Renamed  ").name == "Renamed"
    exported = library.export(second.id, tmp_path / "out.mid")
    assert exported.read_bytes() == second.path.read_bytes()
    library.delete(first.id)
    assert not first.path.exists() and [entry.id for entry in library.entries()] == [second.id]
    with pytest.raises(LibraryError, match="no composition 1"):
        library.get(1)
    with pytest.raises(LibraryError, match="is a directory"):
        library.export(second.id, tmp_path)


def test_ids_must_be_numbers(library):
    with pytest.raises(LibraryError, match="a library id is a positive number, got '../1'"):
        library.get("../1")


@pytest.mark.parametrize("name, message", [
    ("", "empty"),
    ("   ", "empty"),
    ("../../etc/passwd", "path separator"),
    ("..", r"contains '\.\.'"),
    ("a/b", "path separator"),
    ("a\\b", "path separator"),
    ("/etc/passwd", "path separator"),
    ("C:evil", "drive"),
    ("~root", "home-directory"),
    ("bad\0name", "NUL"),
    ("tab\tname", "control character"),
    ("x" * 201, "more than 200"),
])
def test_names_that_could_escape_the_data_directory_are_refused(library, name, message):
    with pytest.raises(LibraryError, match=message):
        check_name(name)
    before = snapshot(library)
    with pytest.raises(LibraryError):
        library.save(sample_composition("twinkle"), "recording", name=name)
    assert snapshot(library) == before


def test_ordinary_names_are_fine():
    for name in ("Ode to Joy (take 2)", "v1.2", "Frère Jacques", "雪 song", "Take 1: verse"):
        assert check_name(name) == name


def test_kind_must_be_one_of_the_four(library):
    with pytest.raises(LibraryError, match="kind must be one of recording, generation, import, edit"):
        library.save(sample_composition("twinkle"), "download")


def test_import_reads_a_midi_file_with_its_source(library, tmp_path):
    path = tmp_path / "tune.mid"
    write_midi(sample_composition("jingle_bells"), path)
    entry = library.import_file(path)
    assert entry.kind == "import" and entry.source == str(path.resolve())
    assert library.load(entry.id).tracks[0].notes == sample_composition("jingle_bells").tracks[0].notes


@pytest.mark.parametrize("content", [b"", b"not midi at all", to_midi_bytes(sample_composition("twinkle"))[:40]])
def test_a_failed_import_touches_nothing(library, tmp_path, content):
    library.save(sample_composition("twinkle"), "recording")
    before = snapshot(library)
    path = tmp_path / "bad.mid"
    path.write_bytes(content)
    with pytest.raises(MidiFileError):
        library.import_file(path)
    assert snapshot(library) == before


VALID = to_midi_bytes(sample_composition("amazing_grace"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=4),
       cut=st.integers(0, len(VALID)))
def test_fuzzed_imports_either_add_one_entry_or_change_nothing(library, tmp_path, edits, cut):
    data = bytearray(VALID)
    for position, value in edits:
        data[position] = value
    path = tmp_path / "fuzzed.mid"
    path.write_bytes(bytes(data[:cut]))
    rows_before, files_before = snapshot(library)
    try:
        entry = library.import_file(path)
    except MidiFileError:
        assert snapshot(library) == (rows_before, files_before)
        return
    rows_after, files_after = snapshot(library)
    assert len(rows_after) == len(rows_before) + 1 and set(files_after) == set(files_before) | {entry.path.name}


def test_opening_sweeps_files_left_by_a_killed_save(tmp_path):
    with Library(tmp_path) as library:
        kept = library.save(sample_composition("twinkle"), "recording")
    files = tmp_path / "compositions"
    stray_temp = files / ".saving-000002.mid.123.abcd0123"
    stray_temp.write_bytes(b"half a file")
    linked_temp = files / ".saving-000003.mid.124.abcd0123"  # killed after the link, before the commit
    linked_temp.write_bytes(VALID)
    os.link(linked_temp, files / "000003.mid")
    with Library(tmp_path) as library:
        assert sorted(path.name for path in files.iterdir()) == ["000001.mid"]
        assert library.load(kept.id) == sample_composition("twinkle")


def test_opening_keeps_every_file_it_cannot_prove_it_wrote(tmp_path):
    """A .mid no row names (an older index restored beside newer files), a file someone named like a
    temporary file but that is no second name of a .mid, links and folders: all stay."""
    with Library(tmp_path) as library:
        library.save(sample_composition("twinkle"), "recording")
    files = tmp_path / "compositions"
    outside = tmp_path / "music"
    outside.mkdir()
    (outside / "mine.mid").write_bytes(VALID)
    planted = {
        "000002.mid": VALID,  # a newer save, its row lost with the restored index
        "000007.mid": VALID,
    }
    for name, data in planted.items():
        (files / name).write_bytes(data)
    (files / ".saving-000007.mid.1.abcd0123").symlink_to(outside / "mine.mid")
    (files / ".saving-000008.mid.1.abcd0123").mkdir()
    (files / "x.mid").mkdir()
    (files / "link.mid").symlink_to(outside / "mine.mid")
    before = sorted(path.name for path in files.iterdir())
    with Library(tmp_path) as library:
        assert [entry.id for entry in library.entries()] == [1]
    assert sorted(path.name for path in files.iterdir()) == before
    assert (outside / "mine.mid").read_bytes() == VALID


def test_a_compositions_folder_that_links_elsewhere_is_never_swept(tmp_path):
    music = tmp_path / "music"
    music.mkdir()
    (music / "song.mid").write_bytes(VALID)
    (music / ".saving-000001.mid.1.abcd0123").write_bytes(b"a file of the person's")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "compositions").symlink_to(music)
    with Library(tmp_path / "data") as library:
        assert library.sweep() == []
    assert sorted(path.name for path in music.iterdir()) == [".saving-000001.mid.1.abcd0123", "song.mid"]


def test_a_save_never_replaces_a_file_it_does_not_own(tmp_path):
    """The restored-index case: the next id's file name is taken by a newer save's file."""
    with Library(tmp_path) as library:
        first = library.save(sample_composition("twinkle"), "recording")
    newer = tmp_path / "compositions" / "000002.mid"
    newer.write_bytes(VALID)
    with Library(tmp_path) as library:
        second = library.save(sample_composition("greensleeves"), "recording")
        assert second.id == 2 and second.path.name == "000002-1.mid"
        assert library.load(second.id).tracks == sample_composition("greensleeves").tracks
        assert library.load(first.id) == sample_composition("twinkle")
    assert newer.read_bytes() == VALID
    assert sorted(path.name for path in newer.parent.iterdir()) == ["000001.mid", "000002-1.mid", "000002.mid"]


def test_the_database_uses_wal_and_a_busy_timeout(library):
    assert library._connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert library._connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_a_second_writer_waits_for_the_first(tmp_path):
    """While another connection holds the write lock, a save waits (busy timeout) instead of failing."""
    with Library(tmp_path) as library:
        blocker = sqlite3.connect(tmp_path / "library.sqlite3", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        library._connection.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(LibraryError, match="busy"):
            library.save(sample_composition("twinkle"), "recording")
        blocker.execute("COMMIT")
        assert library.save(sample_composition("twinkle"), "recording").id == 1
        blocker.close()


def test_metrics_and_parameters_are_stored_as_json(library):
    entry = library.save(sample_composition("twinkle"), "generation", parameters={"risk": 2}, metrics={"x": 1})
    row = library._connection.execute("SELECT parameters, metrics FROM compositions").fetchone()
    assert json.loads(row[0]) == {"risk": 2} and json.loads(row[1]) == {"x": 1} == entry.metrics


def test_a_damaged_database_is_reported_not_overwritten(tmp_path):
    (tmp_path / "library.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="library.sqlite3 cannot be used"):
        Library(tmp_path)
    assert (tmp_path / "library.sqlite3").read_bytes().startswith(b"this is not a database")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_safe_name_turns_any_text_into_an_acceptable_name(text):
    assert check_name(safe_name(text)) == safe_name(text)


def test_titles_from_files_are_repaired_not_refused(library, tmp_path):
    twinkle = sample_composition("twinkle")
    path = tmp_path / "acdc.mid"
    write_midi(Composition(twinkle.tracks, name="AC/DC ../ tribute"), path)
    assert library.import_file(path).name == "AC-DC …- tribute"
    assert library.save(Composition(twinkle.tracks, name="a/b"), "generation").name == "a-b"
    with pytest.raises(LibraryError, match="path separator"):
        library.import_file(path, name="a/b")  # a name a person typed is refused, not repaired


def test_export_never_replaces_a_file_without_being_told_to(library, tmp_path):
    entry = library.save(sample_composition("twinkle"), "recording")
    existing = tmp_path / "mine.mid"
    existing.write_bytes(b"the person's own file")
    with pytest.raises(LibraryError, match="mine.mid exists; add --force"):
        library.export(entry.id, existing)
    assert existing.read_bytes() == b"the person's own file"
    library.export(entry.id, existing, replace=True)
    assert existing.read_bytes() == entry.path.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data", "mine.mid"]


def test_export_never_replaces_a_pipe_a_device_or_a_link(library, tmp_path):
    entry = library.save(sample_composition("twinkle"), "recording")
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    target = tmp_path / "target.mid"
    target.write_bytes(b"kept")
    link = tmp_path / "link.mid"
    link.symlink_to(target)
    for destination in (fifo, link, "/dev/null"):
        with pytest.raises(LibraryError, match="not a plain file"):
            library.export(entry.id, destination, replace=True)
    assert fifo.is_fifo() and link.is_symlink() and target.read_bytes() == b"kept"


def test_export_of_a_row_whose_file_is_gone_names_the_entry(library, tmp_path):
    entry = library.save(sample_composition("twinkle"), "recording")
    entry.path.unlink()
    with pytest.raises(LibraryError, match=f"composition {entry.id}'s file .* is missing"):
        library.export(entry.id, tmp_path / "out.mid")
    with pytest.raises(LibraryError, match="is missing"):
        library.load(entry.id)
    assert not (tmp_path / "out.mid").exists()
