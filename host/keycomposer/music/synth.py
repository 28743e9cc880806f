"""Audio: render a composition to a WAV file with FluidSynth and a General MIDI soundfont.

FluidSynth runs as a program (``fluidsynth -F``, its fast file renderer), so no audio library is
imported. Debian and Ubuntu ship both pieces: ``apt-get install fluidsynth fluid-soundfont-gm``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from keycomposer.music.composition import Composition
from keycomposer.music.midi_io import write_midi

INSTALL_HINT = "install them with: apt-get install fluidsynth fluid-soundfont-gm"
SOUNDFONT_VARIABLE = "KEYCOMPOSER_SOUNDFONT"
SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",  # Debian, Ubuntu: fluid-soundfont-gm
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",  # Arch, Fedora
    "/usr/share/soundfonts/default.sf2",
)
RENDER_TIMEOUT_S = 600


class RenderError(Exception):
    """Rendering cannot run or failed; the message says what to do."""


def find_fluidsynth() -> str:
    program = shutil.which("fluidsynth")
    if program is None:
        raise RenderError(f"FluidSynth is not installed; {INSTALL_HINT}")
    return program


def find_soundfont() -> Path:
    """``$KEYCOMPOSER_SOUNDFONT`` if set, else the first General MIDI soundfont found in the usual places."""
    chosen = os.environ.get(SOUNDFONT_VARIABLE)
    if chosen:
        return check_soundfont(chosen, f"{SOUNDFONT_VARIABLE} names {chosen}, which")
    for candidate in SOUNDFONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise RenderError(f"no General MIDI soundfont found (looked in {', '.join(SOUNDFONT_CANDIDATES)}); {INSTALL_HINT}")


def check_soundfont(path: str | os.PathLike, what: str | None = None) -> Path:
    """``path`` if it is a SoundFont 2 file (a RIFF file of form type 'sfbk'). FluidSynth given anything
    else warns on its error stream and renders silence with exit status 0, so it is checked here."""
    what = what or f"the soundfont {path}"
    if Path(path).exists() and not Path(path).is_file() and not Path(path).is_dir():
        raise RenderError(f"{what} is not a plain file (a pipe or a device)")  # opening a pipe would wait
    try:
        with open(path, "rb") as stream:
            header = stream.read(12)
    except FileNotFoundError:
        raise RenderError(f"{what} is not a file") from None
    except IsADirectoryError:
        raise RenderError(f"{what} is a folder, not a .sf2 file") from None
    except OSError as error:
        raise RenderError(f"{what} cannot be read: {error.strerror or error}") from error
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        raise RenderError(f"{what} is not a SoundFont 2 (.sf2) file")
    return Path(path)


def render_wav(
    composition: Composition,
    destination: str | os.PathLike,
    soundfont: str | os.PathLike | None = None,
    sample_rate: int = 44100,
    fluidsynth: str | None = None,
) -> Path:
    """Render ``composition`` to a 16-bit stereo WAV file at ``destination`` and return its path."""
    font = check_soundfont(soundfont) if soundfont is not None else find_soundfont()
    program = fluidsynth or find_fluidsynth()
    destination = Path(destination)
    if composition.note_count == 0:
        raise RenderError("the composition has no notes to render")
    with tempfile.TemporaryDirectory(prefix="keycomposer-render-") as scratch:
        midi_path = Path(scratch) / "input.mid"
        wav_path = Path(scratch) / "output.wav"
        write_midi(composition, midi_path)
        command = [program, "-n", "-i", "-q", "-F", str(wav_path), "-T", "wav", "-O", "s16",
                   "-r", str(sample_rate), "-g", "0.6", str(font), str(midi_path)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT_S)
        except FileNotFoundError as error:
            raise RenderError(f"cannot run {program}; {INSTALL_HINT}") from error
        except subprocess.TimeoutExpired as error:
            raise RenderError(f"FluidSynth took more than {RENDER_TIMEOUT_S} s and was stopped") from error
        if result.returncode != 0 or not wav_path.is_file() or wav_path.stat().st_size <= 44:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise RenderError(f"FluidSynth failed (exit {result.returncode}): {detail[-1] if detail else 'no output'}")
        try:
            shutil.move(str(wav_path), destination)
        except OSError as error:
            raise RenderError(f"cannot write {destination}: {error.strerror or error}") from error
    return destination
