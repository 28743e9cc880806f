"""Four voices on a grid of 16th notes, one class per voice per step: rest, a note starting, a note held.

The AR-CNN reads and writes chorales this way (shape (voices, steps) of class numbers). Class 0 is a rest;
1 + i is pitch LOWEST_PITCH + i struck at this step (an onset); 1 + PITCHES + i is the same pitch still held
from the step before. Because a struck note is its own class, a note repeated with no gap stays two notes,
which a binary piano roll cannot say. Voices are soprano, alto, tenor, bass (the person's melody is the
soprano). `voice_classes` and `class_notes` are inverses for notes on the grid inside the range.
"""

from __future__ import annotations

import numpy as np

VOICES = ("soprano", "alto", "tenor", "bass")
LOWEST_PITCH = 28  # E1
PITCHES = 64  # E1..G6: the chorales' 36..88 with room to transpose them to all 12 keys
REST = 0
CLASSES = 1 + 2 * PITCHES


def onset_class(midi: int) -> int:
    return 1 + midi - LOWEST_PITCH


def in_range(midi: int) -> bool:
    return LOWEST_PITCH <= midi < LOWEST_PITCH + PITCHES


def voice_classes(notes, steps: int) -> np.ndarray:
    """(steps,) int classes of one voice from (start step, end step, MIDI pitch) notes, end exclusive.

    A note that starts while another sounds cuts it short (one voice sounds one pitch at a time). Notes past
    `steps` are cut off; a pitch outside LOWEST_PITCH..LOWEST_PITCH + PITCHES - 1 is a ValueError."""
    classes = np.zeros(steps, dtype=np.int64)
    for start, end, midi in sorted(notes):
        if not in_range(midi):
            raise ValueError(f"MIDI pitch {midi} is outside the AR-CNN's range "
                             f"{LOWEST_PITCH}..{LOWEST_PITCH + PITCHES - 1}")
        if start >= steps or end <= start:
            continue
        classes[start] = onset_class(midi)
        classes[start + 1:min(end, steps)] = onset_class(midi) + PITCHES
    return classes


def sounding_pitch(classes: np.ndarray) -> np.ndarray:
    """MIDI pitch sounding at each cell (any shape of classes), -1 at rests."""
    classes = np.asarray(classes)
    index = np.where(classes > PITCHES, classes - PITCHES, classes)
    return np.where(classes == REST, -1, index - 1 + LOWEST_PITCH)


def onsets(classes: np.ndarray) -> np.ndarray:
    """True where a note starts: a struck class, or a held class whose step before sounds another pitch (or
    nothing), which a sampler may leave behind and which is read as a note starting there."""
    classes = np.asarray(classes)
    pitch = sounding_pitch(classes)
    before = np.concatenate([np.full(classes.shape[:-1] + (1,), -1), pitch[..., :-1]], axis=-1)
    struck = (classes >= 1) & (classes <= PITCHES)
    return (pitch >= 0) & (struck | (pitch != before))


def repaired(classes: np.ndarray) -> np.ndarray:
    """The same voices with every hold that follows another pitch or a rest written as the onset it is read as."""
    classes = np.asarray(classes)
    pitch = sounding_pitch(classes)
    return np.where(onsets(classes), np.where(pitch >= 0, pitch - LOWEST_PITCH + 1, REST), classes)


def class_notes(classes: np.ndarray) -> list:
    """(start step, end step, MIDI pitch) notes of one voice's (steps,) classes. Inverse of `voice_classes`."""
    classes = np.asarray(classes)
    pitch = sounding_pitch(classes)
    starts = np.flatnonzero(onsets(classes))
    notes = []
    for start in starts:
        end = start + 1
        while end < len(classes) and pitch[end] == pitch[start] and not (1 <= classes[end] <= PITCHES):
            end += 1
        notes.append((int(start), int(end), int(pitch[start])))
    return notes


def network_input(classes: np.ndarray, masked: np.ndarray) -> np.ndarray:
    """The network's (steps, voices * CLASSES + voices) float32 input: each voice's one-hot classes (all zero
    where masked), then one mask flag per voice. `classes` and `masked` are (voices, steps)."""
    voices, steps = classes.shape
    one_hot = np.zeros((steps, voices, CLASSES), dtype=np.float32)
    visible = ~masked
    step_index, voice_index = np.nonzero(visible.T)
    one_hot[step_index, voice_index, classes[voice_index, step_index]] = 1.0
    return np.concatenate([one_hot.reshape(steps, voices * CLASSES), masked.T.astype(np.float32)], axis=1)
