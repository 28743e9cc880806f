"""Reading what a person named within bounds: regular files, devices and pipes, never waiting for ever."""

import os
import threading

import pytest

from keycomposer.bounded_read import TooLargeError, read_bounded
from keycomposer.cli import main
from keycomposer.music import MidiFileError, read_midi, sample_composition, to_midi_bytes

pytestmark = pytest.mark.timeout(60)
VALID = to_midi_bytes(sample_composition("twinkle"))


def test_a_regular_file_is_read_whole_and_a_bigger_one_refused_by_its_size(tmp_path):
    path = tmp_path / "song.mid"
    path.write_bytes(VALID)
    assert read_bounded(path, len(VALID)) == VALID
    with pytest.raises(TooLargeError) as caught:
        read_bounded(path, len(VALID) - 1)
    assert caught.value.size == len(VALID)


def test_a_device_that_never_ends_is_read_only_up_to_the_limit():
    with pytest.raises(TooLargeError) as caught:
        read_bounded("/dev/zero", 1000)
    assert caught.value.size is None
    with pytest.raises(MidiFileError, match="/dev/zero: file is more than the 8388608 bytes"):
        read_midi("/dev/zero")


def test_a_fifo_with_no_writer_reads_as_empty_at_once(tmp_path):
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    assert read_bounded(fifo, 100) == b""
    with pytest.raises(MidiFileError, match="pipe.mid: file is empty"):
        read_midi(fifo)


def _write_then_close(fifo, data, written: threading.Event | None = None, hold: threading.Event | None = None):
    with open(fifo, "wb") as stream:  # blocks until the reader has opened it
        stream.write(data)
        stream.flush()
        if written is not None:
            written.set()
            hold.wait(30)


def test_a_pipe_is_read_like_a_file(tmp_path):
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    writer = threading.Thread(target=_write_then_close, args=(fifo, VALID))
    writer.start()
    descriptor = os.open(fifo, os.O_RDONLY)  # let the writer in before the read, as `<(...)` does
    try:
        assert read_midi(f"/proc/self/fd/{descriptor}").tracks == sample_composition("twinkle").tracks
    finally:
        os.close(descriptor)
        writer.join()


def test_a_pipe_whose_writer_never_closes_it_is_given_up_on(tmp_path):
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    written, hold = threading.Event(), threading.Event()
    writer = threading.Thread(target=_write_then_close, args=(fifo, VALID[:10], written, hold))
    writer.start()
    descriptor = os.open(fifo, os.O_RDONLY)
    try:
        assert written.wait(30)
        with pytest.raises(TimeoutError):  # ten bytes came, then nothing, and the pipe is still open
            read_bounded(f"/proc/self/fd/{descriptor}", 1000, timeout_s=0)
    finally:
        hold.set()
        writer.join()
        os.close(descriptor)


def test_importing_a_device_or_a_folder_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    for path, why in (("/dev/zero", "more than the 8388608 bytes"), (str(tmp_path), "is a folder")):
        assert main(["import", path]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and why in err


def test_scripts_are_read_within_bounds_too(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    fifo = tmp_path / "script.txt"
    os.mkfifo(fifo)
    for argv in (["emulate", "--script", "/dev/zero"], ["record", "--emulator", "--script", "/dev/zero"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "more than 1048576 bytes" in err
    assert main(["emulate", "--interpreter", "cpython", "--script", str(fifo)]) == 0  # no writer: an empty script
