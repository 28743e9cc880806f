"""The console keyboard in a terminal, through curses: keys in, the screen redrawn when it changed.

The loop sleeps in getch() until a key comes, the next planned contact change is due, or 10 ms have
passed; everything it does is ConsoleKeyboard's (session.py), everything it shows is screen.render's.
"""

from __future__ import annotations

import curses
import os
import time
from typing import Callable

from keycomposer.console_keyboard.screen import render
from keycomposer.console_keyboard.session import ConsoleKeyboard

# -- the terminal --------------------------------------------------------------------------------

_SPECIAL_KEYS = {
    curses.KEY_UP: "up",
    curses.KEY_DOWN: "down",
    curses.KEY_LEFT: "left",
    curses.KEY_RIGHT: "right",
    curses.KEY_ENTER: "enter",
    10: "enter",
    13: "enter",
    27: "escape",
    3: "ctrl-c",
}


def key_name(code: int) -> str | None:
    """keymap's name for what curses' getch() returned; None for keys that have no name there."""
    if code in _SPECIAL_KEYS:
        return _SPECIAL_KEYS[code]
    if 32 <= code < 127:
        return chr(code)
    return None


def monotonic_us() -> int:
    return time.monotonic_ns() // 1000


class TerminalError(RuntimeError):
    """The terminal cannot be driven (unknown TERM, no cursor addressing)."""


def check_terminal() -> None:
    """Raise TerminalError unless this terminal (stdout, $TERM) can draw the keyboard."""
    terminal = os.environ.get("TERM", "")
    try:
        curses.setupterm(terminal or None, 1)
    except curses.error as error:
        raise TerminalError(f"cannot drive this terminal (TERM={terminal!r}): {error}") from error
    if curses.tigetstr("cup") is None:
        raise TerminalError(f"terminal {terminal!r} cannot move its cursor, so the keyboard cannot be drawn")


def run_in_terminal(console: ConsoleKeyboard, clock: Callable[[], int] = monotonic_us) -> None:
    """Run the console keyboard in this terminal (curses) until the person quits."""
    try:
        curses.wrapper(_loop, console, clock)
    except curses.error as error:
        terminal = os.environ.get("TERM", "")
        raise TerminalError(f"cannot drive this terminal (TERM={terminal!r}): {error}") from error


def _loop(screen: curses.window, console: ConsoleKeyboard, clock: Callable[[], int]) -> None:
    curses.raw()  # Ctrl-C arrives as a key, so quitting it still saves the take
    curses.set_escdelay(25)  # Esc alone quits; without this curses waits a second for more
    try:
        curses.curs_set(0)
    except curses.error:
        pass  # a terminal that cannot hide its cursor just shows it
    screen.keypad(True)
    while not console.done:
        now = clock()
        screen.timeout(max(1, console.next_wake_us(now) // 1000))
        code = screen.getch()
        screen.nodelay(True)
        while code != -1:
            name = key_name(code)
            if name is not None:
                console.handle_key(name, clock())
            elif code == curses.KEY_RESIZE:
                console.dirty = True
            code = screen.getch()
        console.step(clock())
        if console.dirty:
            _draw(screen, render(console.view))
            console.dirty = False


def _draw(screen: curses.window, lines: list[str]) -> None:
    height, width = screen.getmaxyx()
    screen.erase()
    for row, line in enumerate(lines[:height]):
        screen.addnstr(row, 0, line, max(0, width - 1))
    screen.refresh()
