"""Progress bars: every network call advances the bar; nothing is drawn when stderr is not a terminal."""

import io
import sys

from keycomposer.progress import counting, progress_bar


def test_counting_advances_once_per_call_and_returns_the_result():
    advanced = []
    double = counting(lambda x: 2 * x, advanced.append)
    assert [double(i) for i in range(3)] == [0, 2, 4]
    assert advanced == [1, 1, 1]


def test_no_bar_is_drawn_when_stderr_is_not_a_terminal(monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    with progress_bar(10, "work") as advance:
        for _ in range(10):
            advance(1)
    assert captured.getvalue() == ""
