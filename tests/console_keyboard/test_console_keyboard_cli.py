"""`keycomposer keyboard`'s options: each mistake is a clear error, before any keyboard starts."""

from keycomposer.cli import main


def test_bad_options_are_clear_errors(tmp_path, capsys):
    for options, message in (
        (["--out", str(tmp_path / "take.wav")], "must end in .mid"),
        (["--out", str(tmp_path / "missing" / "take.mid")], "does not exist"),
        (["--hold-ms", "5"], "--hold-ms must be in range 20..10000"),
        (["--velocity", "0"], "--velocity must be in range 1..127"),
        (["--dsn-seed", "-1"], "--dsn-seed must be in range 0..2**64-1"),
        ([], "needs a terminal"),  # pytest's stdin is not one
    ):
        assert main(["keyboard", *options]) == 1, options
        assert message in capsys.readouterr().err, options
