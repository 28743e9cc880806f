"""Building the keyboard's deployable firmware and putting it on a Pico with mpremote.

The build: every module under firmware/ compiled with ``mpy-cross -march=armv6m`` (the RP2040's Cortex-M0+)
into ``.mpy`` files, ``main.py`` copied as source (MicroPython runs main.py, never main.mpy, at power-up),
and a ``package.json`` that names micropython-lib's ``usb-device-midi`` as the one dependency (the pico
board's USB-MIDI driver, installed with ``mpremote mip install usb-device-midi``).

The deployment (``deploy``) talks to the board only through the ``mpremote`` program, one subprocess per
step, so each failure is told in the user's terms: no board at the port, the port busy, a board without
MicroPython (install it by UF2 in BOOTSEL mode), a MicroPython older than 1.23 (runtime USB needs it).
It replaces the firmware's folders and files and never touches anything else on the board's flash:
the keyboard's settings file (settings.bin) survives every deployment.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from keycomposer.emulator.process import default_firmware_dir

RP2040_ARCH = "armv6m"
MINIMUM_MICROPYTHON = (1, 23)  # machine.USBDevice (runtime USB) arrived in 1.23
USB_MIDI_PACKAGE = "usb-device-midi"
ENTRY_POINT = "main.py"
SETTINGS_FILE = "settings.bin"  # the keyboard's own, on its flash (firmware/core/settings_file.py)
FIRMWARE_FOLDERS = ("core", "boards")
_MPREMOTE_TIMEOUT_S = 120
UF2_HELP = (
    "install MicroPython on it first: unplug the Pico, hold its BOOTSEL button while plugging it in, and "
    "a drive named RPI-RP2 appears; copy the Raspberry Pi Pico UF2 (1.23 or newer, from "
    "https://micropython.org/download/RPI_PICO/) onto that drive; the Pico restarts into MicroPython"
)


class FlashError(Exception):
    """Building or deploying the firmware failed; the message says why and what to do."""


@dataclass
class Build:
    folder: Path
    firmware_version: str
    modules: list[str] = field(default_factory=list)  # the compiled .mpy files, relative to folder


def find_tool(name: str, environment_variable: str) -> str:
    """A program: $ENVIRONMENT_VARIABLE, else on PATH, else next to this Python (an unactivated venv)."""
    configured = os.environ.get(environment_variable)
    if configured:
        return configured
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    raise FlashError(f"`{name}` is not installed: pip install {name}")


def firmware_version(firmware_dir: Path) -> str:
    """The version core/version.py declares, as text (read, never imported: the host imports no firmware)."""
    tree = ast.parse((firmware_dir / "core" / "version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "FIRMWARE_VERSION" for t in node.targets):
            return ".".join(str(part) for part in ast.literal_eval(node.value))
    raise FlashError(f"{firmware_dir / 'core' / 'version.py'} declares no FIRMWARE_VERSION")


def build_firmware(output: Path, firmware_dir: Path | None = None, arch: str = RP2040_ARCH,
                   mpy_cross: str | None = None) -> Build:
    """Write the deployable tree into ``output`` (created; must be empty if it exists). ``arch`` is
    mpy-cross's -march: armv6m for the keyboard, x64 to run the same tree in the emulator here."""
    firmware_dir = Path(firmware_dir) if firmware_dir is not None else default_firmware_dir()
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise FlashError(f"{output} is not empty; give a new or empty folder")
    compiler = mpy_cross or find_tool("mpy-cross", "KEYCOMPOSER_MPY_CROSS")
    version = firmware_version(firmware_dir)
    build = Build(output, version)
    sources = sorted(
        path.relative_to(firmware_dir) for path in firmware_dir.rglob("*.py")
        if "__pycache__" not in path.parts
    )
    output.mkdir(parents=True, exist_ok=True)
    for source in sources:
        target = output / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.as_posix() == ENTRY_POINT:
            shutil.copyfile(firmware_dir / source, target)
            continue
        compiled = target.with_suffix(".mpy")
        # Run from the firmware folder so the file name inside the .mpy (tracebacks) is the relative path.
        done = subprocess.run(
            [compiler, f"-march={arch}", "-o", str(compiled.resolve()), source.as_posix()],
            cwd=firmware_dir, capture_output=True, text=True, timeout=120,
        )
        if done.returncode != 0:
            raise FlashError(f"mpy-cross could not compile {source}: {done.stderr.strip() or done.stdout.strip()}")
        build.modules.append(compiled.relative_to(output).as_posix())
    files = [ENTRY_POINT] + build.modules
    package = {
        "version": version,
        "deps": [[USB_MIDI_PACKAGE, "latest"]],
        "urls": [[name, name] for name in files],
    }
    (output / "package.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    (output / "DEPLOY.txt").write_text(_deploy_notes(version), encoding="utf-8")
    return build


def _deploy_notes(version: str) -> str:
    return (
        f"keycomposer firmware {version}, built for the RP2040 (mpy-cross -march={RP2040_ARCH}).\n"
        f"Needs MicroPython {MINIMUM_MICROPYTHON[0]}.{MINIMUM_MICROPYTHON[1]} or newer on the Pico "
        "(runtime USB), and micropython-lib's usb-device-midi (package.json names it).\n\n"
        "keycomposer flash --port PORT does all of this; by hand, from this folder:\n"
        f"    mpremote connect PORT mip install {USB_MIDI_PACKAGE}\n"
        "    mpremote connect PORT fs cp -r core boards pins.mpy main.py :\n"
        "    mpremote connect PORT reset\n"
        f"The keyboard's settings ({SETTINGS_FILE}) stay on its flash; do not delete it.\n"
    )


# -- deployment -------------------------------------------------------------------------------------------

_PROBE = "import sys; print(sys.implementation.name, '%d.%d.%d' % sys.implementation.version[:3])"
_ASK_VERSION = "import core.version; print('%d.%d.%d' % core.version.FIRMWARE_VERSION)"
# Old firmware modules go first: a stale core/x.py would shadow the new core/x.mpy. Only the firmware's
# own folders are emptied; the root (settings.bin, lib/ with usb-device-midi) is left alone.
_CLEAN = (
    "import os\n"
    "for folder in %r:\n"
    "    try:\n"
    "        names = os.listdir(folder)\n"
    "    except OSError:\n"
    "        continue\n"
    "    for name in names:\n"
    "        os.remove(folder + '/' + name)\n"
) % (FIRMWARE_FOLDERS,)


def port_exists(port: str) -> bool:
    """Whether a serial port of that name is there (a device path, or a name pyserial lists, e.g. COM3)."""
    if os.path.exists(port):
        return True
    try:
        from serial.tools import list_ports
    except ImportError:
        return False
    return any(found.device == port for found in list_ports.comports())


class Mpremote:
    """Runs `mpremote connect PORT ...`, turning its failures into FlashError messages."""

    def __init__(self, port: str, program: str | None = None, timeout_s: float = _MPREMOTE_TIMEOUT_S):
        self.port = port
        self.program = program or find_tool("mpremote", "KEYCOMPOSER_MPREMOTE")
        self.timeout_s = timeout_s

    def run(self, *arguments: str, cwd: Path | None = None, what: str = "") -> str:
        command = [self.program, "connect", self.port, *arguments]
        try:
            done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=self.timeout_s)
        except FileNotFoundError as error:
            raise FlashError(f"cannot run {self.program}: {error}; pip install mpremote") from error
        except subprocess.TimeoutExpired as error:
            raise FlashError(f"mpremote got no answer from {self.port} within {self.timeout_s:g} s ({what})") from error
        said = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            raise FlashError(self._explain(said, what))
        return done.stdout

    def _explain(self, said: str, what: str) -> str:
        if "failed to access" in said or "no device found" in said:
            if not port_exists(self.port):
                return (f"no board at {self.port}: is the Pico plugged in? (`mpremote devs` lists serial ports). "
                        f"If it shows up as a drive named RPI-RP2 instead, it has no MicroPython: {UF2_HELP}")
            return (f"{self.port} is busy: another program has it open (a serial terminal, Thonny, another "
                    "mpremote, or `keycomposer` itself); close it and try again")
        if "could not enter raw repl" in said:
            return f"the board at {self.port} does not answer like MicroPython: {UF2_HELP}"
        last = said.splitlines()[-1] if said else "no output"
        return f"mpremote failed while {what or 'talking to the board'}: {last}"


def parse_micropython_version(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        raise FlashError(f"the board did not say which MicroPython it runs: {text.strip()!r}")
    return tuple(int(part) for part in match.groups())


def deploy(build: Build, port: str, mpremote: Mpremote | None = None, install_dependency: bool = True,
           say=print) -> str:
    """Put ``build`` on the board at ``port``; returns the firmware version the board then reports."""
    board = mpremote or Mpremote(port)
    probe = board.run("exec", _PROBE, what="asking the board what it runs").strip()
    if not probe.startswith("micropython"):
        raise FlashError(f"the board at {port} runs {probe or 'something'} rather than MicroPython: {UF2_HELP}")
    version = parse_micropython_version(probe)
    text = ".".join(str(part) for part in version)
    if version[:2] < MINIMUM_MICROPYTHON:
        raise FlashError(
            f"the board runs MicroPython {text}; the keyboard needs {MINIMUM_MICROPYTHON[0]}."
            f"{MINIMUM_MICROPYTHON[1]} or newer for runtime USB (machine.USBDevice). Update it: {UF2_HELP}"
        )
    say(f"board at {port}: MicroPython {text}")
    if install_dependency:
        say(f"installing {USB_MIDI_PACKAGE} (mpremote mip install)")
        board.run("mip", "install", USB_MIDI_PACKAGE, what=f"installing {USB_MIDI_PACKAGE} (needs internet)")
    say("removing the old firmware modules (settings are kept)")
    board.run("exec", _CLEAN, what="removing the old firmware modules")
    entries = [name for name in (*FIRMWARE_FOLDERS, "pins.mpy", ENTRY_POINT) if (build.folder / name).exists()]
    if (build.folder / SETTINGS_FILE).exists():
        raise FlashError(f"{build.folder} holds a {SETTINGS_FILE}; refusing to overwrite the keyboard's settings")
    say(f"copying {', '.join(entries)}")
    board.run("fs", "cp", "-r", *entries, ":", cwd=build.folder, what="copying the firmware")
    reported = board.run("exec", _ASK_VERSION, what="asking the new firmware its version").strip()
    reported_version = reported.splitlines()[-1].strip() if reported else ""
    if reported_version != build.firmware_version:
        raise FlashError(
            f"after copying, the board reports firmware {reported_version or 'nothing'} instead of "
            f"{build.firmware_version}; the copy did not take (is the flash full?)"
        )
    board.run("reset", what="restarting the keyboard")
    say(f"keyboard at {port} runs keycomposer firmware {reported_version}; restarted")
    return reported_version
