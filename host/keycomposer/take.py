"""Recording one take from a transport: the loop around a Recorder, and how a take ends.

A take ends when the keyboard says its record button ended it (the RECORD_STATE notification, see
firmware/PROTOCOL.md), when it is as long as the bar limit (counted from its first message), when the
person presses Ctrl-C, or when the keyboard goes away; in every case what was played so far is kept.
"""

from __future__ import annotations

import mido

from keycomposer.emulator.script import parse_script, run_script
from keycomposer.recorder import Recorder

# F0 7D 4B 60 ss F7: the keyboard's record button started (ss = 1) or ended (ss = 0) a take.
_RECORD_STATE = (0x7D, 0x4B, 0x60)


def take_state(message: mido.Message) -> bool | None:
    """True/False when ``message`` says the keyboard's take started/ended; None for any other message."""
    if message.type == "sysex" and tuple(message.data[:3]) == _RECORD_STATE and len(message.data) == 4:
        return bool(message.data[3])
    return None


def _feed(recorder: Recorder, events, max_us: float) -> str | None:
    """Feed timed messages; returns why the take ended, or None while it goes on."""
    for time_us, message in events:
        if take_state(message) is False and recorder.started:
            return "the record button"
        if recorder.started and recorder.elapsed_us(time_us) >= max_us:
            return "bar limit"
        recorder.feed(time_us, message)
    return None


def record_from_script(script_text: str, transport, recorder: Recorder, max_seconds: float) -> str:
    """Play an emulator script on the emulated keyboard behind ``transport`` and record what it sends."""
    steps = parse_script(script_text)  # ScriptError names the line before anything runs
    events = run_script(steps, transport.emulator)
    midi = [(event.time_us, event.message) for event in events if hasattr(event, "message")]
    return _feed(recorder, midi, max_seconds * 1e6) or "the end of the script"


def record_live(transport, recorder: Recorder, max_seconds: float, poll_s: float = 0.05) -> str:
    """Record from a keyboard in real time until the take ends (see the module docstring)."""
    try:
        while True:
            ended = _feed(recorder, transport.receive(poll_s), max_seconds * 1e6)
            if ended:
                return ended
    except KeyboardInterrupt:
        return "Ctrl-C"
