"""The live picture every trainer refreshes: curves per panel against "step", a piano roll of the model's sample
beside them, written whole (beside, then renamed)."""

import struct

import pytest

pytest.importorskip("matplotlib", reason="the picture is drawn with matplotlib (the train extra)")

from keycomposer.trainers import live_picture  # noqa: E402

HISTORY = [{"step": 2, "loss": 3.0, "valid": 3.5}, {"step": 4, "loss": 2.5}, {"step": 6, "loss": 2.0, "valid": 2.9}]
PANELS = [("loss", ["loss"]), ("validation", ["valid"])]


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_the_picture_is_written_whole_with_a_panel_per_entry(tmp_path):
    path = tmp_path / "curves.png"
    live_picture.save(path, title="run", history=HISTORY, panels=PANELS)
    width, height = png_size(path)
    assert width > height and sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]  # no partial left
    live_picture.save(path, title="run", history=HISTORY, panels=PANELS[:1])
    assert png_size(path)[0] < width  # one panel fewer: a narrower picture, rewritten in place


def test_a_sample_is_drawn_beside_the_curves(tmp_path):
    plain, with_roll = tmp_path / "plain.png", tmp_path / "roll.png"
    live_picture.save(plain, title="run", history=HISTORY, panels=PANELS)
    notes = [(0, 4, 72, 0), (4, 8, 74, 0), (0, 8, 60, 1), (0, 16, 48, 3)]
    live_picture.save(with_roll, title="run", history=HISTORY, panels=PANELS, sample=(notes, "step 6"))
    assert png_size(with_roll)[0] > png_size(plain)[0]
    live_picture.save(with_roll, title="run", history=[], panels=PANELS, sample=([], "nothing yet"))
    assert png_size(with_roll)[0] > 0  # no evaluation and no note yet: still a picture
