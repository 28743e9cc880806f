"""Every setting the host can read and change over SysEx, described as data.

One row per setting: (id, name, attribute of core.settings.Settings, minimum, maximum, default).
The id is the setting's number on the wire (GET_SETTINGS order, SET_SETTING's first byte) and in the
settings file; ids are only ever appended, never reused or reordered (firmware/PROTOCOL.md, section 2).
Values are integers (21 bits on the wire); names of enumerated values are in the comments and in the
host's copy of this table (keycomposer.device.settings), which a test holds equal to this one.
"""

from core.compat import const

SETTINGS = (
    (0, "channel", "channel", 0, 15, 0),  # MIDI channel as on the wire: 0 is channel 1
    (1, "velocity_curve", "velocity_curve", 0, 2, 0),  # log, linear, fixed (core.velocity)
    (2, "fixed_velocity", "fixed_velocity", 1, 127, 100),  # every note's velocity on the fixed curve
    (3, "debounce_us", "debounce_us", 0, 100000, 5000),  # keys, buttons and pedal
    (4, "chord_mode", "chord_mode", 0, 3, 0),  # major, minor, diatonic, seventh (core.chord)
    (5, "chord_key", "chord_key", 0, 11, 0),  # tonic of diatonic mode: 0 = C .. 11 = B
    (6, "arp_mode", "arp_mode", 0, 5, 0),  # up, down, inclusive, exclusive, random, as played
    (7, "arp_rate", "arp_rate", 0, 7, 1),  # 1/4, 1/8, 1/16, 1/32, then the same as triplets
    (8, "arp_gate", "arp_gate", 10, 90, 50),  # percent of a step the note sounds
    (9, "arp_swing", "arp_swing", 50, 75, 50),  # percent: 50 is straight
    (10, "arp_octaves", "arp_octaves", 1, 4, 1),  # octave range the pattern climbs
    (11, "pitch_bend_range", "pitch_bend_range", 1, 24, 2),  # semitones; sent as RPN 0 when changed
)

ID = const(0)
NAME = const(1)
ATTRIBUTE = const(2)
MINIMUM = const(3)
MAXIMUM = const(4)
DEFAULT = const(5)

CHANNEL = const(0)
DEBOUNCE_US = const(3)
PITCH_BEND_RANGE = const(11)
N_SETTINGS = const(12)


def setting(setting_id):
    """The table row of `setting_id`, or None when there is no such setting."""
    if 0 <= setting_id < len(SETTINGS):
        return SETTINGS[setting_id]
    return None


def attribute_of(row):
    """The name of the core.settings.Settings attribute holding the setting of table row `row`."""
    return row[2]


def in_range(row, value):
    return row[MINIMUM] <= value <= row[MAXIMUM]
