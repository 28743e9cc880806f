"""A progress bar for work that takes more than a second: tqdm on stderr, shown only after a second.

``counting(function, total, what)`` wraps a step function (a network call, say) so that every call
advances the bar; the model code stays free of any display concern.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator

from tqdm import tqdm

SHOW_AFTER_S = 1.0


@contextlib.contextmanager
def progress_bar(total: int | None, what: str) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n)``; the bar appears on a terminal only once the work has run a second."""
    bar = tqdm(total=total, desc=what, unit="step", delay=SHOW_AFTER_S, leave=False,
               disable=not sys.stderr.isatty(), file=sys.stderr)
    try:
        yield bar.update
    finally:
        bar.close()


def counting(function: Callable, advance: Callable[[int], None]) -> Callable:
    """``function``, advancing the bar by one at every call."""
    def counted(*args, **kwargs):
        result = function(*args, **kwargs)
        advance(1)
        return result

    return counted
