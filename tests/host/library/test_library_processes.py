"""Several processes at once, and processes killed half-way through a save.

The writer is tests/host/library/library_writer_process.py. "Consistent" means: every row's file
exists and reads back to the composition that row was saved with, and no stray file is left after
opening. "Complete" means: every save that returned (the writer printed "saved") has its row.
"""

import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from keycomposer.library import Library

sys.path.insert(0, str(Path(__file__).parent))
from library_writer_process import STAGES, expected_composition  # noqa: E402

WRITER = Path(__file__).parent / "library_writer_process.py"


def start_writer(root, count, tag, crash_at=None):
    command = [sys.executable, str(WRITER), str(root), str(count), tag] + ([crash_at] if crash_at else [])
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_consistent(root, completed):
    """``completed``: {(tag, number): id} for every save whose return was seen."""
    with Library(root) as library:
        assert library._connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        entries = library.entries()
        by_id = {entry.id: entry for entry in entries}
        for (tag, number), entry_id in completed.items():
            assert entry_id in by_id, f"save {tag} {number} returned id {entry_id}, which is gone"
            assert by_id[entry_id].name == f"{tag} {number}"
        for entry in entries:
            number = entry.parameters["number"]
            assert library.load(entry.id).tracks == expected_composition(number).tracks
        owned = {entry.path.name for entry in entries}
        assert {path.name for path in library.files.iterdir()} == owned
        return entries


def read_saves(process, tag, limit=None):
    completed = {}
    for line in process.stdout:
        _, entry_id, number = line.split()
        completed[(tag, int(number))] = int(entry_id)
        if limit is not None and len(completed) >= limit:
            break
    return completed


@pytest.mark.timeout(120)
def test_two_processes_save_at_the_same_time(tmp_path):
    writers = [start_writer(tmp_path, 15, tag) for tag in ("left", "right")]
    completed = {}
    for writer, tag in zip(writers, ("left", "right")):
        completed.update(read_saves(writer, tag))
        assert writer.wait(timeout=100) == 0, writer.stderr.read()
    entries = assert_consistent(tmp_path, completed)
    assert len(entries) == 30 and len({entry.id for entry in entries}) == 30


@pytest.mark.timeout(200)
def test_writers_killed_at_random_moments_leave_the_library_consistent_and_complete(tmp_path):
    chooser = random.Random(7)  # seeded: the same kill points on every run
    completed = {}
    for round_number in range(6):
        tag = f"round{round_number}"
        writer = start_writer(tmp_path, 1000, tag)
        completed.update(read_saves(writer, tag, limit=chooser.randint(1, 6)))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        # Lines printed between the last read and the kill are saves that returned too.
        completed.update(read_saves(writer, tag))
        assert_consistent(tmp_path, completed)


@pytest.mark.timeout(200)
def test_writers_killed_inside_random_saves_at_random_steps_lose_nothing_saved(tmp_path):
    chooser = random.Random(11)
    completed = {}
    committed_crashes = 0
    for round_number in range(8):
        tag = f"round{round_number}"
        stage = chooser.choice(STAGES)
        writer = start_writer(tmp_path, 10, tag, f"{stage}@{chooser.randint(0, 4)}")
        completed.update(read_saves(writer, tag))
        assert writer.wait(timeout=100) == -signal.SIGKILL
        committed_crashes += stage == "committed"
        entries = assert_consistent(tmp_path, completed)
        assert len(entries) == len(completed) + committed_crashes


@pytest.mark.timeout(120)
@pytest.mark.parametrize("crash_at, survives", [("file-fsync", False), ("renamed", False), ("committed", True)])
def test_a_save_killed_at_each_step_is_all_or_nothing(tmp_path, crash_at, survives):
    with Library(tmp_path) as library:
        earlier = library.save(expected_composition(0), "recording", name="earlier 0", parameters={"number": 0})
    writer = start_writer(tmp_path, 1, "crashed", crash_at)
    assert writer.wait(timeout=100) == -signal.SIGKILL
    assert writer.stdout.read() == ""  # the save never returned
    entries = assert_consistent(tmp_path, {("earlier", 0): earlier.id})
    assert [entry.name for entry in entries] == ["earlier 0"] + (["crashed 0"] if survives else [])


def _open_and_close(root, results):
    try:
        with Library(root):
            pass
        results.put("ok")
    except Exception as error:  # the test reports whatever escaped
        results.put(repr(error))


@pytest.mark.timeout(120)
def test_many_processes_opening_a_new_library_at_once_all_succeed(tmp_path):
    # Before the retry in _use_write_ahead_log, about 1 open in 180 failed with "database is locked":
    # switching a new database to WAL does not wait on the busy timeout.
    import multiprocessing

    context = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    failures = []
    for round_ in range(12):
        results = context.Queue()
        openers = [context.Process(target=_open_and_close, args=(tmp_path / f"lib{round_}", results))
                   for _ in range(6)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(60)
        failures += [r for r in (results.get(timeout=10) for _ in openers) if r != "ok"]
    assert failures == []
