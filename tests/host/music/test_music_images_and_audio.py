"""Piano-roll PNGs (decoded back here, independently of the writer) and WAV rendering with FluidSynth."""

import os
import shutil
import struct
import wave
import zlib

import numpy as np
import pytest

from keycomposer.music import Composition, Note, Track, sample_composition
from keycomposer.music.png import encode_png
from keycomposer.music.roll_image import draw_pianoroll, render_pianoroll, track_colour
from keycomposer.music.synth import INSTALL_HINT, RenderError, render_wav


def decode_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind}"
        chunks[kind] = body
        position += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 2)
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, 1 + width * 3)
    assert not raw[:, 0].any()  # filter type 0 on every scanline
    return raw[:, 1:].reshape(height, width, 3)


def test_png_encoding_round_trips_pixels():
    pixels = np.random.default_rng(1).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    assert np.array_equal(decode_png(encode_png(pixels)), pixels)
    with pytest.raises(ValueError, match="uint8"):
        encode_png(pixels.astype(np.int32))


def test_each_track_is_drawn_in_its_own_colour(tmp_path):
    composition = Composition((Track((Note(0, 60, 480),)), Track((Note(480, 64, 480),))), resolution=480)
    path = tmp_path / "roll.png"
    width, height = draw_pianoroll(composition, path, steps_per_beat=4)
    image = decode_png(path.read_bytes())
    assert image.shape == (height, width, 3)
    colours = {tuple(pixel) for pixel in image.reshape(-1, 3)}
    assert track_colour(0) in colours and track_colour(1) in colours
    # Pitch rises upward: the higher note (track 1) has its pixels above the lower one (track 0).
    rows_0 = np.flatnonzero((image == track_colour(0)).all(axis=2).any(axis=1))
    rows_1 = np.flatnonzero((image == track_colour(1)).all(axis=2).any(axis=1))
    assert rows_1.max() < rows_0.min()
    # Time runs left to right: track 1 starts where track 0 ends.
    columns_0 = np.flatnonzero((image == track_colour(0)).all(axis=2).any(axis=0))
    columns_1 = np.flatnonzero((image == track_colour(1)).all(axis=2).any(axis=0))
    assert columns_0.max() < columns_1.min()


def test_bar_lines_are_drawn_where_the_time_signatures_put_them():
    from keycomposer.music import TimeSignature

    # a bar of 4/4, then 3/4: bar lines at beats 0, 4, 7 and 10, beat lines between them
    changing = Composition((Track((Note(0, 60, 480 * 10),)),), resolution=480,
                           time_signatures=(TimeSignature(0, 4, 4), TimeSignature(480 * 4, 3, 4)))
    image = render_pianoroll(changing, steps_per_beat=1, step_width=8)
    bar_grey = (image[0] == (150, 150, 160)).all(axis=1)
    assert np.flatnonzero(bar_grey).tolist() == [0, 32, 56, 79]  # the closing line at the picture's right edge


def test_an_empty_composition_cannot_be_drawn():
    with pytest.raises(ValueError, match="no notes"):
        render_pianoroll(Composition())


needs_fluidsynth = pytest.mark.skipif(
    shutil.which("fluidsynth") is None or not any(
        os.path.exists(path) for path in ("/usr/share/sounds/sf2/FluidR3_GM.sf2",
                                                        "/usr/share/sounds/sf2/default-GM.sf2")),
    reason=f"FluidSynth or its GM soundfont is missing ({INSTALL_HINT})")


@needs_fluidsynth
@pytest.mark.timeout(120)
def test_render_writes_a_wav_as_long_as_the_music(tmp_path):
    composition = sample_composition("ode_to_joy")
    path = render_wav(composition, tmp_path / "ode.wav")
    with wave.open(str(path)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (2, 2, 44100)
        seconds = audio.getnframes() / audio.getframerate()
        samples = np.frombuffer(audio.readframes(audio.getnframes()), np.int16)
    music = composition.seconds(composition.end)
    assert music <= seconds <= music + 5  # plus the release of the last note
    assert np.abs(samples).max() > 1000  # it is not silence


def test_render_without_fluidsynth_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match="apt-get install fluidsynth fluid-soundfont-gm"):
        render_wav(sample_composition("twinkle"), tmp_path / "x.wav")


def test_render_with_a_missing_soundfont_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_SOUNDFONT", str(tmp_path / "none.sf2"))
    with pytest.raises(RenderError, match="none.sf2, which is not a file"):
        render_wav(sample_composition("twinkle"), tmp_path / "x.wav", fluidsynth="/bin/true")
