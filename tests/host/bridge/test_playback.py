"""Playback: the composition's messages go out at their times, on an injected clock, and nothing is left sounding."""

import pytest

from keycomposer.music.composition import Composition, Note, Tempo, Track
from keycomposer.playback import play_to, timed_messages

TWO_NOTES = Composition((Track((Note(0, 60, 480, 90), Note(480, 64, 480, 80)), program=40),),
                        resolution=480, tempos=(Tempo.from_bpm(120),))


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds


def test_messages_come_out_at_their_times_offs_before_ons():
    timeline = [(round(t, 3), m.type, getattr(m, "note", None)) for t, m in timed_messages(TWO_NOTES)]
    assert timeline == [(0.0, "program_change", None), (0.0, "note_on", 60), (0.5, "note_off", 60),
                        (0.5, "note_on", 64), (1.0, "note_off", 64)]


def test_play_to_sends_on_the_clock():
    clock, sent = FakeClock(), []
    play_to(lambda m: sent.append((round(clock.t, 3), m.type)), TWO_NOTES, now=clock.now, sleep=clock.sleep)
    assert sent[-1] == (1.0, "note_off")


def test_ctrl_c_during_playback_silences_what_was_sounding():
    clock, sent = FakeClock(), []

    def sleep(seconds):
        raise KeyboardInterrupt  # the person presses Ctrl-C while note 60 sounds

    with pytest.raises(KeyboardInterrupt):
        play_to(sent.append, TWO_NOTES, now=clock.now, sleep=sleep)
    assert [(m.type, getattr(m, "note", None)) for m in sent] == [
        ("program_change", None), ("note_on", 60), ("note_off", 60)]


def test_play_without_an_audio_device_or_midi_system_is_a_clear_error(capsys):
    from keycomposer.cli import main

    code = main(["play", "sample:twinkle", "--port", "no such port"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot open MIDI output" in err and "Traceback" not in err
