"""A progress bar for work that takes more than a second: tqdm on stderr, shown only after a second.

``counting(function, total, what)`` wraps a step function (a network call, say) so that every call
advances the bar; the model code stays free of any display concern. ``reporting(listener)`` lets a caller
with no terminal (the studio's page) follow the same bars: ``listener(what, done, total)`` after each step.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from typing import Callable, Iterator

from tqdm import tqdm

SHOW_AFTER_S = 1.0
# Who else follows the bars of this thread's work (a context variable: each generation thread has its own).
_listener: contextvars.ContextVar[Callable[[str, int, int | None], None] | None] = contextvars.ContextVar(
    "progress_listener", default=None)


@contextlib.contextmanager
def reporting(listener: Callable[[str, int, int | None], None]) -> Iterator[None]:
    """Within this block, every progress bar also calls ``listener(what, done, total)`` as it advances."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


@contextlib.contextmanager
def progress_bar(total: int | None, what: str) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n)``; the bar appears on a terminal only once the work has run a second."""
    bar = tqdm(total=total, desc=what, unit="step", delay=SHOW_AFTER_S, leave=False,
               disable=not sys.stderr.isatty(), file=sys.stderr)
    listener = _listener.get()
    if listener is None:
        advance = bar.update
    else:
        done = 0
        listener(what, done, total)

        def advance(n: int = 1) -> None:
            nonlocal done
            bar.update(n)
            done += n
            listener(what, done, total)
    try:
        yield advance
    finally:
        bar.close()


def counting(function: Callable, advance: Callable[[int], None]) -> Callable:
    """``function``, advancing the bar by one at every call."""
    def counted(*args, **kwargs):
        result = function(*args, **kwargs)
        advance(1)
        return result

    return counted
