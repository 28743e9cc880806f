"""The function buttons this core handles: chord toggle, octave down/up, and the panic combination.

Octave buttons act on release, so pressing both together (the panic combination: all notes off) shifts
nothing. A shift that would push any key outside MIDI 0..127 is refused.
"""

import pins
from core.feature import Feature

_LOWEST_MIDI_NOTE = 0
_HIGHEST_MIDI_NOTE = 127


class ButtonsFeature(Feature):
    NAME = "buttons"

    def __init__(self):
        self._octave_held = 0  # bit 0: octave down held, bit 1: octave up held
        self._combo = False  # both octave buttons were down together: their releases shift nothing

    def boot(self, keyboard, now_us):
        keyboard.set_led(pins.LED_POWER, True)
        self._show(keyboard)

    def on_switch(self, keyboard, kind, button, closed, now_us):
        if kind != pins.SWITCH_BUTTON:
            return
        if button == pins.BUTTON_CHORD:
            if closed:
                keyboard.chord_on = not keyboard.chord_on
                self._show(keyboard)
        elif button == pins.BUTTON_OCTAVE_DOWN or button == pins.BUTTON_OCTAVE_UP:
            bit = 1 if button == pins.BUTTON_OCTAVE_DOWN else 2
            if closed:
                self._octave_held |= bit
                if self._octave_held == 3:
                    self._combo = True
                    keyboard.panic()
            else:
                self._octave_held &= ~bit
                if self._combo:
                    if not self._octave_held:
                        self._combo = False
                else:
                    shift_octave(keyboard, -1 if bit == 1 else 1)
                    self._show(keyboard)

    def _show(self, keyboard):
        keyboard.set_led(pins.LED_CHORD, keyboard.chord_on)
        keyboard.set_led(pins.LED_OCTAVE_DOWN, keyboard.octave < 0)
        keyboard.set_led(pins.LED_OCTAVE_UP, keyboard.octave > 0)


def shift_octave(keyboard, direction):
    """Move the keys an octave down (-1) or up (+1); False (and nothing changes) when a key would leave
    MIDI 0..127. Held keys keep their notes: their note-offs are the notes that were sent."""
    octave = keyboard.octave + direction
    lowest = keyboard.settings.lowest_note + 12 * octave
    if lowest < _LOWEST_MIDI_NOTE or lowest + pins.N_KEYS - 1 > _HIGHEST_MIDI_NOTE:
        return False
    keyboard.octave = octave
    return True
