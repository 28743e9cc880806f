"""Turning what a user typed into a composition: ``sample:NAME``, a library id, or a MIDI file path."""

from __future__ import annotations

import os
from pathlib import Path

from keycomposer.library.store import Library, LibraryError, is_library_id
from keycomposer.music.composition import Composition
from keycomposer.music.midi_io import read_midi
from keycomposer.music.samples import SAMPLES, sample_composition, sample_names

SAMPLE_PREFIX = "sample:"


class InputError(LookupError):
    """An input spec that names nothing usable; the message says what was tried."""


def resolve_input(spec: str, library: Library | None = None) -> Composition:
    """The composition ``spec`` names, tried in this order:

    1. ``sample:NAME``: a built-in sample melody (``keycomposer samples`` lists them);
    2. all digits (and no such file): the library entry with that id, looked up in ``library``, or
       in the default library (opened only then) when ``library`` is None;
    3. anything else: a path to a MIDI file.

    Raises InputError for an unknown sample, id or path, and MidiFileError for a file that is not
    usable MIDI.
    """
    spec = spec.strip()
    if spec.startswith(SAMPLE_PREFIX):
        name = spec[len(SAMPLE_PREFIX):]
        if name not in SAMPLES:
            raise InputError(f"no sample melody is called {name!r}; there are: {', '.join(sample_names())}")
        return sample_composition(name)
    if is_library_id(spec) and not os.path.exists(spec):  # os.path: a name too long to be a file is none
        try:
            if library is None:
                with Library() as default_library:
                    return default_library.load(spec)
            return library.load(spec)
        except LibraryError as error:
            raise InputError(str(error)) from error
    path = Path(spec)
    if not os.path.exists(path) or os.path.isdir(path):  # a pipe or device is read within bounds by read_midi
        raise InputError(
            f"{spec!r} is not a file, a library id or sample:NAME "
            f"(samples: {', '.join(SAMPLE_PREFIX + name for name in sample_names())})"
        )
    return read_midi(path)
