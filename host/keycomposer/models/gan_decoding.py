"""From the GAN's class probabilities to three voices: draw each cell as the network says, then a small beam
over the three parts step by step whose cost has the voice-leading rules of keycomposer.music.voice_leading.

Input: log-probabilities (steps, parts, CLASSES) over keycomposer.models.voice_grid's classes (rest, pitch
struck, pitch held), the parts top to bottom, and the melody's sounding pitch per step (-1 at rests) in the
same pitch space. Output: (parts, steps) classes, every hold continuing the pitch before it.

Every cell's log-probability is perturbed once by Gumbel noise drawn from the seed (the Gumbel-max trick: the
best class of a cell alone is then a draw from the network's distribution at `temperature`), and the beam
keeps the `beam` best paths of the sum of the perturbed scores less the rules' costs. The settings:
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from keycomposer.models.voice_grid import LOWEST_PITCH, PITCHES, REST
from keycomposer.music.voice_leading import is_crossing, is_parallel


@dataclass(frozen=True)
class Decoding:
    # 1: each cell drawn as often as the network gives it; lower keeps closer to its first choice; 0: the most
    # likely voices (the seed then acts through the generator's noise alone).
    temperature: float = 1.0
    # A parallel fifth or octave costs as much as a note the network finds 100 times less likely.
    parallel_cost: float = math.log(100)
    # A 16th in which a part sounds above the melody or the part written over it costs as much.
    crossing_cost: float = math.log(100)
    beam: int = 4  # paths kept
    choices: int = 3  # struck pitches or rest per part and step tried, besides holding the note sounding

    @classmethod
    def from_card(cls, entry: dict) -> "Decoding":
        unknown = set(entry) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"decoding has unknown settings {', '.join(sorted(unknown))}")
        decoding = cls(**{key: type(getattr(cls, key))(value) for key, value in entry.items()})
        if decoding.temperature < 0 or decoding.beam < 1 or decoding.choices < 1:
            raise ValueError("decoding needs temperature >= 0, beam >= 1 and choices >= 1")
        return decoding

    def to_card(self) -> dict:
        return asdict(self)


def _pitch(classes):
    """MIDI pitch of classes (any shape), -1 at rests."""
    classes = np.asarray(classes)
    return np.where(classes == REST, -1, LOWEST_PITCH + (classes - 1) % PITCHES)


def decode(log_probability: np.ndarray, melody: np.ndarray, seed=0, decoding: Decoding = Decoding()) -> np.ndarray:
    """(parts, steps) classes: the best path of the beam (see the module doc). The same input and seed give the
    same classes."""
    steps, parts, classes = log_probability.shape
    if decoding.temperature > 0:
        score = log_probability / decoding.temperature + np.random.default_rng(seed).gumbel(size=log_probability.shape)
    else:  # the most likely voices under the rules: the seed acts through the generator's noise only
        score = log_probability.copy()
    onset_and_rest = score[:, :, :1 + PITCHES]  # a hold is only offered to continue the pitch sounding
    choices = min(decoding.choices, 1 + PITCHES)
    top = np.argsort(-onset_and_rest, axis=2, kind="stable")[:, :, :choices]  # (steps, parts, choices)
    melody = np.asarray(melody)
    path_score = np.zeros(1)
    sounding = np.full((1, parts), -1)  # the pitch each part sounds at the step before, -1 resting
    last = np.full((1, parts), -1)  # the pitch each part sounded last (across rests), for the moves
    chosen, back = [], []
    melody_last = -1
    for step in range(steps):
        paths = len(path_score)
        # Candidates per path and part: the step's top struck pitches or rest, then holding what sounds.
        candidate = np.empty((paths, parts, choices + 1), dtype=np.int64)
        candidate[:, :, :choices] = top[step][None]
        hold = np.where(sounding >= 0, 1 + PITCHES + sounding - LOWEST_PITCH, REST)
        candidate[:, :, choices] = hold
        gain = np.take_along_axis(np.broadcast_to(score[step][None], (paths, parts, classes)), candidate, axis=2)
        gain[:, :, choices] = np.where(sounding >= 0, gain[:, :, choices], -np.inf)
        pitch = _pitch(candidate)  # (paths, parts, options)
        # One axis per part: total[path, a, b, c] for option a of part 0, b of part 1, c of part 2.
        options = choices + 1
        shape = [(paths,) + tuple(options if axis == part else 1 for axis in range(parts)) for part in range(parts)]
        now = [pitch[:, part].reshape(shape[part]) for part in range(parts)]
        before = [last[:, part].reshape((paths,) + (1,) * parts) for part in range(parts)]
        total = path_score.reshape((paths,) + (1,) * parts) + sum(gain[:, part].reshape(shape[part])
                                                                   for part in range(parts))
        m_now = melody[step] if step < len(melody) else -1
        moved = [(v >= 0) & (b >= 0) & (v != b) for v, b in zip(now, before)]
        for upper in range(parts):
            for lower in range(upper + 1, parts):
                both = moved[upper] & moved[lower]
                if both.any():
                    total = total - decoding.parallel_cost * (both & is_parallel(before[upper], before[lower], now[upper],
                                                                                 now[lower]))
        if m_now >= 0 and melody_last >= 0 and m_now != melody_last:  # the melody moves: its pairs may be parallel
            for part in range(parts):
                total = total - decoding.parallel_cost * (moved[part] & is_parallel(melody_last, before[part], m_now,
                                                                                    now[part]))
        crossing = is_crossing(np.array(m_now), now[0])
        for upper in range(parts - 1):
            crossing = crossing | is_crossing(now[upper], now[upper + 1])  # one cost per step, crossed or not
        total = total - decoding.crossing_cost * crossing
        flat = total.reshape(paths, -1)
        keep = np.argsort(-flat.ravel(), kind="stable")[:decoding.beam]
        keep = keep[np.isfinite(flat.ravel()[keep])]
        origin, option = np.divmod(keep, flat.shape[1])
        picks = np.stack(np.unravel_index(option, (options,) * parts), axis=1)  # (kept, parts)
        step_classes = candidate[origin[:, None], np.arange(parts)[None], picks]
        step_pitch = _pitch(step_classes)
        path_score = flat.ravel()[keep]
        last = np.where(step_pitch >= 0, step_pitch, last[origin])
        sounding = step_pitch
        chosen.append(step_classes)
        back.append(origin)
        if m_now >= 0:
            melody_last = m_now
    best = 0
    out = np.zeros((parts, steps), dtype=np.int64)
    for step in reversed(range(steps)):
        out[:, step] = chosen[step][best]
        best = back[step][best]
    return out
