"""Playing a composition to a person: through a MIDI port (the keyboard's own, or a synth's) or the speakers.

``timed_messages`` is the pure part: the composition as (seconds, message) pairs in order. The senders
take their clock and sleep as parameters (mido's habit), so tests run them on a fake clock.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
import tempfile

import mido

from keycomposer.music.composition import Composition
from keycomposer.music.midi_io import write_midi
from keycomposer.quiet import quiet_c_stderr
from keycomposer.music.synth import RenderError, find_fluidsynth, find_soundfont


class PlaybackError(Exception):
    pass


def timed_messages(composition: Composition) -> list[tuple[float, mido.Message]]:
    """Program changes at 0, then every note-on and note-off at its time in seconds; offs first on ties."""
    events = []
    for track in composition.tracks:
        events.append((0.0, 0, mido.Message("program_change", channel=track.channel, program=track.program)))
        for note in track.notes:
            events.append((composition.seconds(note.start), 2, mido.Message(
                "note_on", channel=track.channel, note=note.pitch, velocity=note.velocity)))
            events.append((composition.seconds(note.end), 1, mido.Message(
                "note_off", channel=track.channel, note=note.pitch, velocity=64)))
    events.sort(key=lambda e: (e[0], e[1]))
    return [(seconds, message) for seconds, _, message in events]


def play_to(send, composition: Composition, now=time.monotonic, sleep=time.sleep) -> int:
    """Send the composition through ``send(message)`` in real time; returns the number of messages sent.
    An interruption (Ctrl-C) silences every note that was sounding before it propagates."""
    start = now()
    sounding = set()
    sent = 0
    try:
        for seconds, message in timed_messages(composition):
            delay = start + seconds - now()
            if delay > 0:
                sleep(delay)
            send(message)
            sent += 1
            if message.type == "note_on":
                sounding.add((message.channel, message.note))
            elif message.type == "note_off":
                sounding.discard((message.channel, message.note))
    finally:
        for channel, note in sorted(sounding):
            send(mido.Message("note_off", channel=channel, note=note, velocity=64))
    return sent


def play_to_port(composition: Composition, port_name: str | None = None) -> None:
    try:
        with quiet_c_stderr():
            port = mido.open_output(port_name)
        with port:
            play_to(port.send, composition)
    except (OSError, SystemError) as error:
        raise PlaybackError(f"cannot open MIDI output {port_name or '(default)'}: {error}") from error


def play_to_speakers(composition: Composition, driver: str | None = None) -> None:
    """FluidSynth with the General MIDI soundfont, to the default audio output (or ``driver``)."""
    try:
        program, font = find_fluidsynth(), find_soundfont()
    except RenderError as error:
        raise PlaybackError(str(error)) from error
    with tempfile.TemporaryDirectory(prefix="keycomposer-play-") as scratch:
        midi_path = Path(scratch) / "play.mid"
        write_midi(composition, midi_path)
        command = [program, "-n", "-i", "-q"] + (["-a", driver] if driver else []) + [str(font), str(midi_path)]
        result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        complaint = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        raise PlaybackError(f"FluidSynth could not play ({complaint}); "
                            "is there an audio device? `keycomposer render ID out.wav` writes a file instead")
