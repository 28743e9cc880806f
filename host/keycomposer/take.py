"""Recording one take from a transport: the loop around a Recorder, and how a take ends.

A take starts at the keyboard's record button (the RECORD_STATE notice, firmware/PROTOCOL.md) or at its
first message, and ends when the record button ends it, when it is as long as the bar limit, when the
person asks for a generation from the keyboard (tap tempo held + playback: the GENERATE_REQUEST notice),
when the person presses Ctrl-C, or when the keyboard goes away; in every case what was played so far is
kept.
"""

from __future__ import annotations

from typing import Iterator

import mido

from keycomposer.emulator.script import parse_script, run_script
from keycomposer.recorder import Recorder

# F0 7D 4B 60 ss F7: the keyboard's record button started (ss = 1) or ended (ss = 0) a take.
_RECORD_STATE = (0x7D, 0x4B, 0x60)
# F0 7D 4B 61 F7: tap tempo held + playback: generate again from the last take.
_GENERATE_REQUEST = (0x7D, 0x4B, 0x61)


def take_state(message: mido.Message) -> bool | None:
    """True/False when ``message`` says the keyboard's take started/ended; None for any other message."""
    if message.type == "sysex" and tuple(message.data[:3]) == _RECORD_STATE and len(message.data) == 4:
        return bool(message.data[3])
    return None


GENERATE_REQUEST = "the keyboard's generate request"


def is_generate_request(message: mido.Message) -> bool:
    return message.type == "sysex" and tuple(message.data) == _GENERATE_REQUEST


def bar_limit_us(bars: int, bpm: float, beats_per_bar: int = 4) -> float:
    """The longest take, in microseconds: ``bars`` bars of ``beats_per_bar`` beats at ``bpm``."""
    return bars * beats_per_bar * 60_000_000 / bpm


def take_from(events: Iterator[tuple[int, mido.Message]], recorder: Recorder, max_us: float) -> str:
    """Feed timed messages from ``events`` into ``recorder`` until the take ends; returns why it ended.
    Events after the end stay in the iterator for the next take."""
    for time_us, message in events:
        state = take_state(message)
        if state is True:  # the record button started the take: what came before is not part of it
            recorder.restart(time_us)
            continue
        if state is False and recorder.started:
            return "the record button"
        if is_generate_request(message):
            return GENERATE_REQUEST
        if recorder.started and recorder.elapsed_us(time_us) >= max_us:
            return "bar limit"
        recorder.feed(time_us, message)
    return "the end of the script"


def script_events(script_text: str, transport) -> Iterator[tuple[int, mido.Message]]:
    """Play an emulator script on the emulated keyboard behind ``transport``; what it sent, in order."""
    steps = parse_script(script_text)  # ScriptError names the line before anything runs
    events = run_script(steps, transport.emulator)
    return iter([(event.time_us, event.message) for event in events if hasattr(event, "message")])


def transport_events(transport, poll_s: float = 0.05) -> Iterator[tuple[int, mido.Message]]:
    """Everything the keyboard behind ``transport`` sends, as it arrives, for as long as it is there."""
    while True:
        yield from transport.receive(poll_s)


def record_from_script(script_text: str, transport, recorder: Recorder, max_us: float) -> str:
    """Play an emulator script on the emulated keyboard and record the take in what it sends."""
    return take_from(script_events(script_text, transport), recorder, max_us)


def record_live(transport, recorder: Recorder, max_us: float, events=None) -> str:
    """Record from a keyboard in real time until the take ends (see the module docstring)."""
    try:
        return take_from(events if events is not None else transport_events(transport), recorder, max_us)
    except KeyboardInterrupt:
        return "Ctrl-C"
