"""The music model: compositions, MIDI files, piano rolls, edits, sample melodies and metrics.

The public API, re-exported here:

- model: ``Composition``, ``Track``, ``Note``, ``Tempo``, ``TimeSignature``, ``DRUM_CHANNEL``
- files: ``read_midi`` / ``write_midi``, ``from_midi_bytes`` / ``to_midi_bytes``, ``from_mido`` /
  ``to_mido``; every defect of an input file raises ``MidiFileError``
- piano rolls: ``to_pianoroll`` / ``from_pianoroll``
- edits (each returns a new Composition): ``quantize``, ``transpose``, ``set_instrument``, ``change_tempo``
- instruments: ``GM_PROGRAM_NAMES``, ``program_name`` / ``program_number``
- samples: ``SAMPLES``, ``sample_names``, ``sample_composition``
- metrics: ``composition_metrics`` and the per-roll functions in ``keycomposer.music.metrics``
"""

from keycomposer.music.composition import DRUM_CHANNEL, Composition, Note, Tempo, TimeSignature, Track
from keycomposer.music.edits import change_tempo, quantize, set_instrument, transpose
from keycomposer.music.instruments import GM_PROGRAM_NAMES, program_name, program_number
from keycomposer.music.metrics import composition_metrics
from keycomposer.music.midi_io import (
    MidiFileError,
    from_midi_bytes,
    from_mido,
    read_midi,
    to_midi_bytes,
    to_mido,
    write_midi,
)
from keycomposer.music.pianoroll import from_pianoroll, to_pianoroll
from keycomposer.music.samples import SAMPLES, sample_composition, sample_names

__all__ = [
    "DRUM_CHANNEL", "Composition", "Note", "Tempo", "TimeSignature", "Track",
    "change_tempo", "quantize", "set_instrument", "transpose",
    "GM_PROGRAM_NAMES", "program_name", "program_number",
    "composition_metrics",
    "MidiFileError", "from_midi_bytes", "from_mido", "read_midi", "to_midi_bytes", "to_mido", "write_midi",
    "from_pianoroll", "to_pianoroll",
    "SAMPLES", "sample_composition", "sample_names",
]
