"""Where a melody's bars lie, counted in 16th steps: meters, and the bar lines their time signatures draw.

A composition's time signatures each start a bar where they stand, and bars of that meter follow one another
until the next signature (MIDI's own rule; before the first signature the meter is 4/4). A signature that
stands where the bar before it is not over cuts that bar short.

A first bar that is shorter than the bars after it, and the only bar of its meter, is a pickup (an anacrusis
written as a bar of its own, as notation programs export one): it is read as the end of a bar of the meter
that follows, so its notes weigh what they weigh on those beats of a whole bar.

`Bars` is pure arithmetic on steps; `keycomposer.models.gan` reads a composition's signatures into it (the
accompaniment ends with the melody's last bar), and the Transformer-XL reads its bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

COMMON_TIME = (4, 4)  # the meter a melody with no time signature is read in
STEPS_PER_QUARTER = 4  # the models read 16th notes


def meter_steps(meter) -> int:
    """16ths in a bar of ``meter`` (numerator, denominator): 16 in 4/4, 12 in 3/4 and 6/8."""
    numerator, denominator = meter
    steps, remainder = divmod(numerator * STEPS_PER_QUARTER * 4, denominator)
    if steps < 1 or remainder:
        raise ValueError(f"a bar of {numerator}/{denominator} is not a whole number of 16th notes")
    return steps


def meter_name(meter) -> str:
    return f"{meter[0]}/{meter[1]}"


def parse_meter(name: str) -> tuple:
    """(numerator, denominator) of a meter written "3/4"; ValueError naming it otherwise."""
    numerator, slash, denominator = str(name).partition("/")
    if not (slash and numerator.isdigit() and denominator.isdigit() and int(numerator) > 0
            and int(denominator) in (1, 2, 4, 8, 16)):
        raise ValueError(f"{name!r} is not a meter such as \"3/4\"")
    return int(numerator), int(denominator)


@dataclass(frozen=True)
class Bar:
    """One bar: its steps [start, end), its meter, and how many 16ths of a whole bar of that meter come before
    ``start`` (``skipped``: a pickup's missing beats; 0 for a whole bar or one cut short by a new signature)."""

    start: int
    end: int
    meter: tuple
    skipped: int = 0


@dataclass(frozen=True)
class Bars:
    """A melody's bar lines as meter changes: from each change's step on, bars of its meter, the first of them
    lacking its first ``skipped`` 16ths (a pickup). Use `regular` for one meter from step 0, `of_signatures`
    for a composition's time signatures."""

    changes: tuple = ((0, COMMON_TIME, 0),)  # (step, meter, skipped), steps rising, the first at step 0

    def __post_init__(self):
        steps = [step for step, _, _ in self.changes]
        if not steps or steps[0] != 0 or any(b <= a for a, b in zip(steps, steps[1:])):
            raise ValueError(f"bar changes must start at step 0 and rise, got steps {steps}")
        for step, meter, skipped in self.changes:
            if not 0 <= skipped < meter_steps(meter):
                raise ValueError(f"a bar of {meter_name(meter)} cannot lack {skipped} of its 16ths")

    @classmethod
    def regular(cls, meter=COMMON_TIME) -> "Bars":
        """Bars of one ``meter`` from step 0 on."""
        meter_steps(meter)
        return cls(((0, tuple(meter), 0),))

    @classmethod
    def of_signatures(cls, signatures: Sequence[tuple]) -> "Bars":
        """The bars (step, (numerator, denominator)) time signatures draw (see the module doc). A later
        signature at the same step replaces an earlier one; one that changes nothing draws no new bar line."""
        at = {0: COMMON_TIME}
        for step, meter in signatures:
            at[int(step)] = (int(meter[0]), int(meter[1]))
        for step, meter in sorted(at.items()):
            try:
                meter_steps(meter)
            except ValueError as error:
                raise ValueError(f"the time signature at 16th {step}: {error}") from None
        changes = []
        for step, meter in sorted(at.items()):
            if changes and changes[-1][1] == meter and (step - changes[-1][0]) % meter_steps(meter) == 0:
                continue  # the same meter again on one of its own bar lines
            changes.append((step, meter, 0))
        if len(changes) > 1:
            (_, first, _), (length, following, _) = changes[:2]
            if length < meter_steps(following) and length == meter_steps(first) and first != following:
                changes[0] = (0, following, meter_steps(following) - length)
        return cls(tuple(changes))

    @classmethod
    def of_composition(cls, composition) -> "Bars":
        """The bars a Composition's time signatures draw, each signature's tick read on the 16th grid."""
        from keycomposer.music.pianoroll import tick_to_step

        return cls.of_signatures([(tick_to_step(s.tick, composition.resolution, STEPS_PER_QUARTER),
                                   (s.numerator, s.denominator)) for s in composition.time_signatures])

    def signatures(self) -> list:
        """(step, meter) time signatures that draw these bars: one per change, and a bar that lacks its first
        16ths written as a bar of its own of that many 16ths (n/16) before it, as a MIDI file can say it."""
        out = []
        for index, (step, meter, skipped) in enumerate(self.changes):
            following = self.changes[index + 1][0] if index + 1 < len(self.changes) else None
            if skipped:
                out.append((step, (meter_steps(meter) - skipped, 16)))
                step += meter_steps(meter) - skipped
            if following is None or step < following:
                out.append((step, meter))
        return out

    def bars(self, steps: int) -> list:
        """Every `Bar` that begins before step ``steps``; the last runs to its own end, which may lie past it."""
        out = []
        for index, (start, meter, skipped) in enumerate(self.changes):
            if start >= steps:
                break
            until = self.changes[index + 1][0] if index + 1 < len(self.changes) else None
            length = meter_steps(meter)
            bar_start, bar_end = start, start + length - skipped
            while bar_start < steps and (until is None or bar_start < until):
                out.append(Bar(bar_start, bar_end if until is None else min(bar_end, until), meter,
                               skipped if bar_start == start else 0))
                bar_start, bar_end = bar_end, bar_end + length
        return out

    def starts(self, steps: int) -> np.ndarray:
        """The first step of every bar that begins before step ``steps``."""
        return np.array([bar.start for bar in self.bars(steps)], dtype=np.int64)

    def index(self, steps: int) -> np.ndarray:
        """Per step of ``steps``, the bar holding it, counted from 0 (`place`'s bar number less 1, for all at once)."""
        return np.searchsorted(self.starts(steps), np.arange(steps), side="right") - 1

    def end(self, steps: int) -> int:
        """Where the bar holding step ``steps`` - 1 ends: a melody ``steps`` long fills its bars up to here."""
        return self.bars(max(1, steps))[-1].end

    def place(self, step: int) -> tuple:
        """(bar number from 1, 16th of a whole bar of its meter, counted from 0, meter) of ``step``."""
        bars = self.bars(step + 1)
        bar = bars[-1]
        return len(bars), bar.skipped + step - bar.start, bar.meter

    def by_place(self, weights_for: Callable[[tuple], Sequence[float]], steps: int) -> np.ndarray:
        """Per step of ``steps``, the weight ``weights_for(meter)`` (one per 16th of that meter's bar) gives the
        16th of its bar it falls on."""
        out = np.empty(steps, dtype=np.float64)
        for bar in self.bars(steps):
            weights = np.asarray(weights_for(bar.meter), dtype=np.float64)
            until = min(bar.end, steps)
            out[bar.start:until] = weights[bar.skipped:bar.skipped + until - bar.start]
        return out
