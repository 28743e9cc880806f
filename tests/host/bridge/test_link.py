"""`keycomposer link`: the typed DSN is checked, then matched against what the keyboard reports."""

import pytest

from keycomposer.cli import main
from keycomposer.device.info import DeviceInfo, parse_device_info, query_device_info
from keycomposer.device.link import LinkError, load_link, save_link, verify_link
from keycomposer.device.transport import EmulatorTransport
from keycomposer.emulator import Emulator

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path))
    return tmp_path


def emulated_dsn(seed: int) -> str:
    with Emulator(dsn_seed=seed) as emulator:
        return query_device_info(EmulatorTransport(emulator)).dsn


def test_the_emulator_answers_device_info_with_a_valid_dsn_that_follows_its_seed():
    first, second = emulated_dsn(1), emulated_dsn(2)
    assert first != second
    assert len(first) == 16 and first.isalnum() and first.upper() == first


def test_linking_with_the_dsn_as_typed_from_the_label(data_dir, capsys):
    dsn = emulated_dsn(5)
    typed = f"{dsn[:4].lower()} {dsn[4:8]}-{dsn[8:]}"
    assert main(["link", typed, "--emulator", "--dsn-seed", "5"]) == 0
    assert "linked keyboard" in capsys.readouterr().out
    assert load_link(data_dir).dsn == dsn


def test_a_valid_dsn_of_another_keyboard_is_refused_and_nothing_is_stored(data_dir, capsys):
    dsn = emulated_dsn(5)
    assert main(["link", dsn, "--emulator", "--dsn-seed", "6"]) == 1
    assert "reports" in capsys.readouterr().err
    assert load_link(data_dir) is None


def test_a_typo_is_reported_as_a_typo_before_any_keyboard_is_asked(data_dir, capsys):
    dsn = emulated_dsn(5)
    swapped = dsn[:6] + dsn[7] + dsn[6] + dsn[8:]
    assert swapped != dsn
    # no --emulator and no MIDI system: had it asked a keyboard, the error would be about ports
    assert main(["link", swapped]) == 1
    assert "mistyped" in capsys.readouterr().err


def test_verify_link_compares_normalized_dsns():
    info = DeviceInfo((0, 1, 0), "0000000000000000")
    with pytest.raises(LinkError):
        verify_link("0000000000000000"[:-1] + "0", DeviceInfo((0, 1, 0), "1" * 16), "test")
    assert verify_link("0000-0000-0000-0000", info, "test", now=lambda: 7.0).linked_at == 7.0


def test_a_corrupt_link_file_is_reported_not_replaced(data_dir):
    (data_dir / "link.json").write_text("{not json")
    with pytest.raises(LinkError, match="corrupt"):
        load_link(data_dir)
    assert (data_dir / "link.json").read_text() == "{not json"


def test_a_saved_link_reads_back(data_dir):
    link = verify_link("0" * 16, DeviceInfo((1, 2, 3), "0" * 16), "emulator", now=lambda: 1.0)
    save_link(data_dir, link)
    assert load_link(data_dir) == link


def test_parse_device_info_ignores_other_messages():
    import mido

    assert parse_device_info(mido.Message("note_on")) is None
    assert parse_device_info(mido.Message("sysex", data=(0x7E, 0x7F, 0x06, 0x02))) is None


A_LINK = verify_link("0" * 16, DeviceInfo((1, 2, 3), "0" * 16), "emulator", now=lambda: 1.0)


def test_saving_never_writes_through_a_link_planted_at_the_temporary_name(data_dir, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (data_dir / "link.json.tmp").symlink_to(victim)
    save_link(data_dir, A_LINK)
    assert victim.read_text() == "keep me"
    assert load_link(data_dir) == A_LINK
    assert [path.name for path in data_dir.iterdir() if path.name.endswith(".tmp")] == ["link.json.tmp"]


@pytest.mark.parametrize("content, why", [
    ('{"dsn": 5, "via": "x", "firmware_version": "1", "linked_at": 1}', "dsn is int"),
    ('{"dsn": "0000000000000000", "via": ["x"], "firmware_version": "1", "linked_at": 1}', "via is list"),
    ('{"dsn": "0000000000000000", "via": "x", "firmware_version": "1", "linked_at": "now"}', "linked_at is str"),
    ('["0000000000000000"]', "expected an object"),
    ('{"dsn": "0000000000000000"}', "expected an object"),
    ("[" * 30_000 + "]" * 30_000, "not JSON"),
    (b"\xff\xfe{}", "not JSON"),
])
def test_a_link_file_of_the_wrong_shape_is_one_clear_error(data_dir, capsys, content, why):
    path = data_dir / "link.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(LinkError, match=why):
        load_link(data_dir)
    assert main(["link", "--show"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is corrupt" in err and why in err


def test_a_link_file_that_is_a_folder_is_one_clear_error_and_left_alone(data_dir, capsys):
    (data_dir / "link.json").mkdir()
    for argv in (["link", "--show"], ["link", "--forget"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "link.json" in err and "folder" in err
    with pytest.raises(LinkError, match="folder"):
        save_link(data_dir, A_LINK)
    assert (data_dir / "link.json").is_dir()
