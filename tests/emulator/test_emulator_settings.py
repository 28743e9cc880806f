"""Settings in the emulator, as a host sees them: changed over SysEx, kept in the --flash folder across a
restart (a power cycle), a corrupt settings file gives defaults and a FAULT report, and `keycomposer
settings` shows and changes them. Messages are decoded by mido."""

import pytest

from keycomposer.cli import main
from keycomposer.device.settings import (
    SETTINGS,
    SettingsError,
    exchange,
    read_settings,
    set_setting_request,
    setting_named,
    write_setting,
)
from keycomposer.device.transport import EmulatorTransport
from keycomposer.emulator import Emulator, FaultEvent

DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def notes_played(keyboard):
    keyboard.press(5, velocity=100)
    keyboard.wait(20)
    keyboard.release(5)
    keyboard.wait(20)
    keyboard.sync()
    return [(m.message.type, m.message.channel, m.message.note) for m in keyboard.midi() if m.message.type.startswith("note")]


@pytest.mark.timeout(120)
def test_settings_survive_a_restart_of_the_emulator(interpreter, tmp_path):
    with Emulator(interpreter=interpreter, flash_dir=tmp_path) as keyboard:
        transport = EmulatorTransport(keyboard)
        assert read_settings(transport) == DEFAULTS
        assert write_setting(transport, setting_named("channel"), 9) == 9
        assert write_setting(transport, setting_named("chord_mode"), 1) == 1
        assert write_setting(transport, setting_named("debounce_us"), 12000) == 12000
    assert sorted(path.name for path in tmp_path.iterdir()) == ["settings.bin"]

    with Emulator(interpreter=interpreter, flash_dir=tmp_path) as keyboard:
        transport = EmulatorTransport(keyboard)
        values = read_settings(transport)
        assert values == dict(DEFAULTS, channel=9, chord_mode=1, debounce_us=12000)
        assert notes_played(keyboard) == [("note_on", 9, 53), ("note_off", 9, 53)]
        assert not [event for event in keyboard.events() if isinstance(event, FaultEvent)]


@pytest.mark.timeout(120)
def test_a_corrupt_settings_file_gives_defaults_and_a_fault_report(interpreter, tmp_path):
    with Emulator(interpreter=interpreter, flash_dir=tmp_path) as keyboard:
        write_setting(EmulatorTransport(keyboard), setting_named("channel"), 4)
    stored = bytearray((tmp_path / "settings.bin").read_bytes())
    stored[8] ^= 0x01  # the channel's value: the checksum no longer matches
    (tmp_path / "settings.bin").write_bytes(bytes(stored))

    with Emulator(interpreter=interpreter, flash_dir=tmp_path) as keyboard:
        boot_events = keyboard.events()
        faults = [event.text for event in boot_events if isinstance(event, FaultEvent)]
        assert faults == ["settings.boot: BadSettings: checksum mismatch"]
        sysex = [event.message for event in boot_events if getattr(event, "message", None) is not None]
        assert [bytes(m.data) for m in sysex] == [b"\x7d\x4b\x7f" + faults[0].encode()]
        assert read_settings(EmulatorTransport(keyboard)) == DEFAULTS
        assert notes_played(keyboard) == [("note_on", 0, 53), ("note_off", 0, 53)]  # it plays on


@pytest.mark.timeout(60)
def test_out_of_range_values_and_unknown_ids_are_refused_with_nak(tmp_path):
    with Emulator(interpreter="cpython", flash_dir=tmp_path) as keyboard:
        transport = EmulatorTransport(keyboard)
        with pytest.raises(SettingsError, match="out of range"):
            exchange(transport, set_setting_request(setting_named("arp_swing"), 76))
        unknown = set_setting_request(setting_named("channel"), 0)
        unknown = unknown.copy(data=(0x7D, 0x4B, 0x11, 0x60, 0, 0, 0))
        with pytest.raises(SettingsError, match="no such setting"):
            exchange(transport, unknown)
        assert read_settings(transport) == DEFAULTS
    assert list(tmp_path.iterdir()) == []


@pytest.mark.timeout(120)
def test_the_settings_command_shows_and_changes_them(tmp_path, capsys):
    flash = ["--emulator", "--interpreter", "cpython", "--flash", str(tmp_path)]
    assert main(["settings", *flash]) == 0
    shown = capsys.readouterr().out
    assert "velocity_curve    log" in shown and "(default" not in shown

    assert main(["settings", *flash, "channel=10", "velocity_curve=linear", "arp_rate=1/16"]) == 0
    assert capsys.readouterr().out.splitlines() == ["channel = 10", "velocity_curve = linear", "arp_rate = 1/16"]

    assert main(["settings", *flash]) == 0
    shown = capsys.readouterr().out
    lines = {line.split()[0]: line.split(None, 1)[1] for line in shown.splitlines()}
    assert lines["channel"] == "10            (default 1)"
    assert lines["arp_rate"] == "1/16          (default 1/8)"
    assert lines["arp_gate"] == "50%"

    assert main(["settings", *flash, "arp_gate=5"]) == 1
    assert "keycomposer settings: arp_gate must be in range 10..90, got 5" in capsys.readouterr().err
    assert main(["settings", *flash, "loudness=11"]) == 1
    assert "no setting 'loudness'" in capsys.readouterr().err

    assert main(["settings", *flash, "--reset"]) == 0
    assert "(default" not in capsys.readouterr().out

    (tmp_path / "settings.bin").write_bytes(b"garbage")
    assert main(["settings", *flash]) == 0
    assert "the keyboard reported a fault: settings.boot: BadSettings: not a settings file" in capsys.readouterr().out
