"""The picture a training run keeps refreshing: its curves, and beside them what the model writes now.

``save(path, title=..., history=..., panels=..., sample=...)`` draws one panel per (title, metric keys) of
``panels``, each key's values against the evaluations' "step" (an evaluation lacking a key is left out of
that line, so a metric measured only sometimes still draws), and, when ``sample`` is given as (notes, label),
a piano roll of those notes: (start step, end step, MIDI pitch, part index) tuples, one colour a part. The
file is written to a partial name beside ``path`` and renamed into place, so a viewer that reloads it (or a
run stopped mid-write) never sees half a picture. Every trainer draws with this one function.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

PART_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
STEPS_PER_BEAT = 4  # the rolls are in 16ths: a thin line every beat, a stronger one every 4/4 bar


def save(path, *, title: str, history: Sequence[dict], panels: Sequence[tuple[str, Sequence[str]]],
         sample: tuple[Sequence[tuple[int, int, int, int]], str] | None = None) -> None:
    """Writes the picture to ``path`` (PNG): ``panels`` over ``history`` and, if given, ``sample``'s piano roll."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = len(panels) + (sample is not None)
    figure, axes = plt.subplots(1, count, figsize=(4.2 * count + (2.5 if sample is not None else 0), 3.8),
                                squeeze=False, gridspec_kw={"width_ratios": [1] * len(panels)
                                                            + ([1.8] if sample is not None else [])})
    axes = axes[0]
    for axis, (panel, keys) in zip(axes, panels):
        for key in keys:
            points = [(row["step"], row[key]) for row in history if row.get(key) is not None]
            if points:
                steps, values = zip(*points)
                axis.plot(steps, values, "o-" if len(points) < 30 else "-", markersize=3, label=key)
        axis.set_title(panel, fontsize=10)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        if len(keys) > 1:
            axis.legend(fontsize=7)
    if sample is not None:
        draw_roll(axes[-1], *sample)
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    folder, name = os.path.split(os.fspath(path))
    partial = os.path.join(folder, "partial." + name)
    figure.savefig(partial, dpi=80, format="png")
    plt.close(figure)
    os.replace(partial, path)


def draw_roll(axis, notes, label: str) -> None:
    """Each note a bar from its start to its end step at its pitch, coloured by part; beats and bars lined."""
    notes = list(notes)
    if notes:  # one line collection for all notes (an artist per note makes a redraw take seconds)
        starts, ends, pitches, parts = (np.array(column) for column in zip(*notes))
        axis.hlines(pitches, starts, ends - 0.15, colors=[PART_COLOURS[p % len(PART_COLOURS)] for p in parts],
                    linewidth=3.2)  # a sliver short of its end, so a note struck again shows as two
        low = min(n[2] for n in notes) - 2
        high = max(n[2] for n in notes) + 2
        last = max(n[1] for n in notes)
        axis.set_ylim(low, high)
        axis.set_xlim(0, last)
        beats = np.arange(0, last + 1, STEPS_PER_BEAT)
        axis.vlines(beats, low, high, colors=["0.6" if beat % (4 * STEPS_PER_BEAT) == 0 else "0.9" for beat in beats],
                    linewidth=0.6, zorder=0)
    else:
        axis.text(0.5, 0.5, "no notes", ha="center", va="center", transform=axis.transAxes)
    axis.set_title(label, fontsize=10)
    axis.set_xlabel("16th")
    axis.set_ylabel("MIDI pitch")
