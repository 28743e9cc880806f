"""The keyboard emulator, host side: the firmware runs in its own process (under `micropython` or
CPython) behind a framed byte stream; this package starts it, speaks the frames, plays it like a person
and runs scripts against it. firmware/EMULATOR.md documents the stream.
"""

from keycomposer.emulator.emulator import DEFAULT_VELOCITY, STABLE_US, Emulator, FaultEvent, LedEvent, MidiEvent
from keycomposer.emulator.process import INTERPRETERS, EmulatorError, EmulatorProcess, find_micropython
from keycomposer.emulator.seed import unique_id_from_seed

__all__ = [
    "DEFAULT_VELOCITY",
    "INTERPRETERS",
    "STABLE_US",
    "Emulator",
    "EmulatorError",
    "EmulatorProcess",
    "FaultEvent",
    "LedEvent",
    "MidiEvent",
    "find_micropython",
    "unique_id_from_seed",
]
