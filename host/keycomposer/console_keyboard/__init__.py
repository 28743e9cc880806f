"""The console keyboard: the emulated keyboard played from the computer's keys in a terminal.

- ``keymap``: which computer key plays which keyboard key, button or console command (data).
- ``strokes``: terminals report presses, never releases; this turns presses into contact changes over
  time (how long a note is held, auto-repeat, latch).
- ``takes``: what the keyboard sends, cut into takes and handed on to be saved.
- ``view``: the keyboard's state as the screen shows it, kept up to date from its events.
- ``screen``: the view drawn as lines of text (a pure function).
- ``session``: ConsoleKeyboard, which ties them to the emulated keyboard (any clock, any keyboard).
- ``terminal``: the curses loop that runs a ConsoleKeyboard in the terminal.
"""
