"""General MIDI instruments: the 128 program names (GM Level 1 sound set), as data, and lookups."""

from __future__ import annotations

GM_PROGRAM_NAMES: tuple[str, ...] = (
    # Piano
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavi",
    # Chromatic percussion
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells", "Dulcimer",
    # Organ
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion", "Harmonica",
    "Tango Accordion",
    # Guitar
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)", "Electric Guitar (clean)",
    "Electric Guitar (muted)", "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics",
    # Bass
    "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass", "Slap Bass 1",
    "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    # Strings
    "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani",
    # Ensemble
    "String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs",
    "Synth Voice", "Orchestra Hit",
    # Brass
    "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2",
    # Reed
    "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon", "Clarinet",
    # Pipe
    "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    # Synth lead
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    # Synth pad
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)", "Pad 6 (metallic)",
    "Pad 7 (halo)", "Pad 8 (sweep)",
    # Synth effects
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)",
    "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    # Ethnic
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bag pipe", "Fiddle", "Shanai",
    # Percussive
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    # Sound effects
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter", "Applause",
    "Gunshot",
)

assert len(GM_PROGRAM_NAMES) == 128


def program_name(program: int) -> str:
    """The General MIDI name of a program number 0..127. Inverse of ``program_number``."""
    if not 0 <= program <= 127:
        raise ValueError(f"program must be in range 0..127, got {program}")
    return GM_PROGRAM_NAMES[program]


def _fold(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def program_number(name_or_number: str | int) -> int:
    """A program number from a GM name (any case, spaces and punctuation ignored, a unique prefix allowed)
    or from a number 0..127 given as int or text. Inverse of ``program_name``."""
    if isinstance(name_or_number, int) or str(name_or_number).strip().isdigit():
        number = int(name_or_number)
        program_name(number)
        return number
    wanted = _fold(str(name_or_number))
    if not wanted:
        raise ValueError("instrument name is empty")
    folded = [_fold(name) for name in GM_PROGRAM_NAMES]
    if wanted in folded:
        return folded.index(wanted)
    matches = [index for index, name in enumerate(folded) if name.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        options = ", ".join(GM_PROGRAM_NAMES[index] for index in matches[:6])
        raise ValueError(f"instrument {name_or_number!r} is ambiguous: {options}")
    raise ValueError(f"no General MIDI instrument is called {name_or_number!r}")
