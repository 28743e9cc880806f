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


def test_a_listener_follows_the_bars_of_its_own_thread_only():
    import threading

    from keycomposer.progress import reporting

    heard = []
    with reporting(lambda what, done, total: heard.append((what, done, total))):
        with progress_bar(3, "sampling") as advance:
            for _ in range(3):
                advance(1)
        def elsewhere():
            with progress_bar(2, "elsewhere") as advance_there:
                advance_there(1)

        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()
    with progress_bar(2, "after") as advance:
        advance(1)
    assert heard == [("sampling", 0, 3), ("sampling", 1, 3), ("sampling", 2, 3), ("sampling", 3, 3)]
