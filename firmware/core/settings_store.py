"""Settings that live on: loaded from the flash at boot, changed from the host over SysEx, saved at once.

The SysEx side (GET_SETTINGS, SET_SETTING, RESET_SETTINGS in core/sysex.py) checks ids and ranges
against core/settings_table.py; this feature applies a checked value to the running keyboard and stores
every setting in the settings file (core/settings_file.py). A settings file that cannot be used raises
from `boot` after nothing was applied, so the keyboard reports `settings.boot: ...` as a fault and runs
on its defaults: a bad file never stops it booting.
"""

from core.compat import const
from core.feature import Feature
from core.settings_file import read_settings_file, write_settings_file
from core.settings_table import CHANNEL, DEBOUNCE_US, DEFAULT, PITCH_BEND_RANGE, SETTINGS, attribute_of

_STATUS_CONTROL_CHANGE = const(0xB0)
# Registered parameter 0 0 is pitch-bend sensitivity (MIDI 1.0, RP-018): semitones in data entry MSB,
# cents in LSB; then the null RPN 7F 7F, so a later data entry changes nothing by accident.
_CC_DATA_ENTRY_MSB = const(6)
_CC_DATA_ENTRY_LSB = const(38)
_CC_RPN_LSB = const(100)
_CC_RPN_MSB = const(101)
_RPN_NULL = const(0x7F)


class SettingsStore(Feature):
    NAME = "settings"

    def boot(self, keyboard, now_us):
        stored = read_settings_file()  # BadSettings: reported by the keyboard, defaults stay
        if stored is None:
            return  # a fresh keyboard: defaults
        for setting_id, value in stored:
            _apply(keyboard, setting_id, value, False)

    def change(self, keyboard, setting_id, value):
        """Apply a checked value and save every setting; False when it could not be saved (the value
        still holds until the next power cycle)."""
        _apply(keyboard, setting_id, value, True)
        return self.save(keyboard)

    def reset(self, keyboard):
        """Every setting back to its default, saved; False when it could not be saved."""
        for row in SETTINGS:
            _apply(keyboard, row[0], row[DEFAULT], True)
        return self.save(keyboard)

    def save(self, keyboard):
        try:
            write_settings_file(keyboard.settings)
        except OSError:
            return False
        return True


def value_of(keyboard, setting_id):
    return getattr(keyboard.settings, attribute_of(SETTINGS[setting_id]))


def _apply(keyboard, setting_id, value, live):
    """Set one setting on the running keyboard. `live`: changed while playing (not at boot), so a
    channel change needs its panic and a new pitch-bend range is told to the synth."""
    settings = keyboard.settings
    if setting_id == CHANNEL:
        if live and value != settings.channel:
            keyboard.set_channel(value)  # a panic on the old channel first
        else:
            settings.channel = value
            keyboard.notes.channel = value
    elif setting_id == DEBOUNCE_US:
        keyboard.set_debounce_us(value)
    else:
        attribute = attribute_of(SETTINGS[setting_id])
        changed = getattr(settings, attribute) != value
        setattr(settings, attribute, value)
        if setting_id == PITCH_BEND_RANGE and live and changed:
            _send_pitch_bend_range(keyboard, value)


def _send_pitch_bend_range(keyboard, semitones):
    status = _STATUS_CONTROL_CHANGE | keyboard.settings.channel
    tx = keyboard.tx
    tx.channel_message(status, _CC_RPN_MSB, 0)
    tx.channel_message(status, _CC_RPN_LSB, 0)
    tx.channel_message(status, _CC_DATA_ENTRY_MSB, semitones)
    tx.channel_message(status, _CC_DATA_ENTRY_LSB, 0)
    tx.channel_message(status, _CC_RPN_MSB, _RPN_NULL)
    tx.channel_message(status, _CC_RPN_LSB, _RPN_NULL)
