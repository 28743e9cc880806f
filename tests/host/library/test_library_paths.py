"""The data directory follows each platform's convention; KEYCOMPOSER_DATA_DIR overrides it."""

from pathlib import Path

from keycomposer.library import default_data_dir

HOME = Path("/home/ada")


def test_linux_uses_xdg_data_home():
    assert default_data_dir({"XDG_DATA_HOME": "/data"}, "linux", HOME) == Path("/data/keycomposer")
    assert default_data_dir({}, "linux", HOME) == HOME / ".local/share/keycomposer"


def test_a_relative_xdg_data_home_is_ignored_as_the_spec_says():
    assert default_data_dir({"XDG_DATA_HOME": "relative"}, "linux", HOME) == HOME / ".local/share/keycomposer"


def test_macos_uses_application_support():
    assert default_data_dir({}, "darwin", HOME) == HOME / "Library/Application Support/keycomposer"


def test_windows_uses_local_app_data():
    assert default_data_dir({"LOCALAPPDATA": "C:/Users/ada/AppData/Local"}, "win32", HOME) == \
        Path("C:/Users/ada/AppData/Local/keycomposer")
    assert default_data_dir({}, "win32", HOME) == HOME / "AppData/Local/keycomposer"


def test_the_override_wins_everywhere():
    for platform in ("linux", "darwin", "win32"):
        assert default_data_dir({"KEYCOMPOSER_DATA_DIR": "/tmp/kc"}, platform, HOME) == Path("/tmp/kc")
