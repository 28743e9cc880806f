"""What the learning capsules share: piano rolls shown in the notebook, notes on the 16th grid made into a
composition, and the melody the reader picks (a built-in sample or a MIDI file of theirs)."""

from pathlib import Path

from keycomposer.music.composition import Composition, Note, Track
from keycomposer.music.midi_io import read_midi
from keycomposer.music.roll_image import render_pianoroll
from keycomposer.music.samples import sample_composition, sample_names

RESOLUTION = 480  # ticks per quarter note
STEP = RESOLUTION // 4  # one 16th note, the grid every technique here writes on


def grid_composition(voices, names=None) -> Composition:
    """A composition of one track per voice, each a list of (start step, end step, MIDI pitch) on the 16th grid."""
    names = names or [f"voice {k + 1}" for k in range(len(voices))]
    tracks = tuple(Track(tuple(Note(start * STEP, pitch, (end - start) * STEP, 90) for start, end, pitch in notes),
                         channel=k, name=name) for k, (notes, name) in enumerate(zip(voices, names)))
    return Composition(tracks, RESOLUTION)


def show_rolls(rolls, width: float = 12.0) -> None:
    """Piano rolls one under the other: `rolls` is a list of (title, composition); one colour a track."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(rolls), 1, figsize=(width, 2.4 * len(rolls)), squeeze=False)
    for axis, (title, composition) in zip(axes[:, 0], rolls):
        axis.imshow(render_pianoroll(composition), aspect="auto", interpolation="nearest")
        axis.set_title(title, fontsize=10, loc="left")
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    plt.show()


def pick_melody(choice: str) -> Composition:
    """A built-in sample by name (`keycomposer samples` lists them), or a MIDI file: the melody to work on."""
    if choice in sample_names():
        return sample_composition(choice)
    path = Path(choice).expanduser()
    if not path.is_file():
        raise ValueError(f"{choice!r} is neither a sample ({', '.join(sample_names())}) nor a MIDI file")
    return read_midi(path)
