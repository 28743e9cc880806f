"""The keyboard's settings, with their defaults. The ones the host may change are in
core/settings_table.py (ids, ranges, the same defaults); core/settings_store.py loads and saves them."""

from core.chord import CHORD_MAJOR
from core.velocity import CURVE_LOG


class Settings:
    def __init__(self):
        self.channel = 0  # MIDI channel 1, as it is on the wire
        self.debounce_us = 5000
        self.velocity_curve = CURVE_LOG
        self.fixed_velocity = 100  # for CURVE_FIXED
        self.chord_mode = CHORD_MAJOR
        self.chord_key = 0  # tonic of diatonic mode: 0 = C ... 11 = B
        self.lowest_note = 48  # key 0 at octave shift 0: C3
        # Pitch wheel calibration, in raw 16-bit ADC units, and the dead zone around the centre.
        self.pitch_min = 1024
        self.pitch_centre = 32768
        self.pitch_max = 64511
        self.pitch_dead_zone = 1024
        # Pitch-bend sensitivity in semitones: told to the synth as RPN 0 when changed over SysEx.
        self.pitch_bend_range = 2
        # The arpeggiator's (core/arp.py reads them at its next step; ranges in core/settings_table.py).
        self.arp_mode = 0  # up
        self.arp_rate = 1  # 1/8
        self.arp_gate = 50  # percent
        self.arp_swing = 50  # percent, straight
        self.arp_octaves = 1
