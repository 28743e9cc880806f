"""The arpeggiator, tap tempo and MIDI clock of the real firmware, in the emulator's virtual time.

Every scenario runs under MicroPython and CPython and must print the same lines; mido decodes the bytes.
Expected step times are computed here from their definition (firmware/core/arp.py): step k is due
floor(k * step) us after the first step, step = 60e6 / bpm * beats, and sounds on the first 1 ms scan
tick at or after that: so the expected time in ms is ceil(due / 1000).
"""

import math
from fractions import Fraction

import mido
import pytest

from emulator_support import FIRMWARE
from keycomposer.emulator import Emulator, LedEvent, MidiEvent
from keycomposer.emulator.script import format_time, parse_script, run_script

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not (FIRMWARE / "core" / "arp.py").exists(), reason="no arpeggiator yet"),
]

# Picking a setting: hold the arp button, press the key (firmware/README.md, "Arpeggiator").
MODE_KEYS = {"up": 0, "down": 1, "inclusive": 2, "exclusive": 3, "random": 4, "as played": 5}
GATE_KEYS = {10: 7, 30: 8, 50: 9, 70: 10, 90: 11}
RATE_KEYS = {"1/4": 12, "1/8": 13, "1/16": 14, "1/32": 15, "1/4T": 16, "1/8T": 17, "1/16T": 18, "1/32T": 19}
SWING_KEYS = {50: 20, 58: 21, 66: 22, 75: 23}
OCTAVE_KEYS = {1: 24, 2: 25, 3: 26, 4: 27}
LATCH_ON, LATCH_OFF = 28, 29
# A step's length in quarter notes.
RATE_BEATS = {
    "1/4": Fraction(1), "1/8": Fraction(1, 2), "1/16": Fraction(1, 4), "1/32": Fraction(1, 8),
    "1/4T": Fraction(2, 3), "1/8T": Fraction(1, 3), "1/16T": Fraction(1, 6), "1/32T": Fraction(1, 12),
}
C_MAJOR = [48, 52, 55]


def pick(key: int) -> str:
    return f"button arp down\npress key{key}\nrelease key{key}\nbutton arp up\n"


def play(script: str, interpreter: str):
    with Emulator(interpreter=interpreter) as emulator:
        return run_script(parse_script(script), emulator)


def lines(events):
    return [f"{format_time(e.time_us)} {e.message}" for e in events if isinstance(e, MidiEvent)]


def both(script: str):
    events = play(script, "micropython")
    assert lines(play(script, "cpython")) == lines(events)
    return events


def midi(events, *types):
    return [
        (e.time_us, e.message)
        for e in events
        if isinstance(e, MidiEvent) and (not types or e.message.type in types)
    ]


def ons(events):
    return [(t, m.note) for t, m in midi(events, "note_on")]


def check_no_stuck_note(events):
    sounding = set()
    for _, m in midi(events, "note_on", "note_off"):
        if m.type == "note_on":
            assert m.note not in sounding, f"note-on for a sounding note: {m}"
            sounding.add(m.note)
        else:
            assert m.note in sounding, f"note-off for a silent note: {m}"
            sounding.discard(m.note)
    assert not sounding, f"left sounding: {sorted(sounding)}"


def due_ms(start_us: int, k: int, step_us: Fraction) -> int:
    """The tick (ms) step k lands on: the first one at or after floor(k * step) us after the start."""
    return math.ceil((start_us + math.floor(k * step_us)) / 1000)


def step_us(rate: str, bpm: int = 120) -> Fraction:
    return Fraction(60_000_000, bpm) * RATE_BEATS[rate]


ARP_ON_WITH_CHORDS = "button chord tap\nbutton arp tap\n"


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("up", [48, 52, 55] * 3),
        ("down", [55, 52, 48] * 3),
        ("inclusive", [48, 52, 55, 55, 52, 48, 48, 52, 55]),
        ("exclusive", [48, 52, 55, 52, 48, 52, 55, 52, 48]),
    ],
)
def test_each_mode_plays_the_held_chord_in_its_order(mode, expected):
    events = both(ARP_ON_WITH_CHORDS + pick(MODE_KEYS[mode]) + "press C3\nwait 2200\nrelease C3\n")
    assert [note for _, note in ons(events)][:9] == expected
    check_no_stuck_note(events)


def test_as_played_keeps_the_order_the_keys_went_down_in():
    # G, then C, then E, pressed within a few ms: step 0 has only G; from step 1 on the pattern is G C E.
    keys = "press G3\npress C3\npress E3\nwait 1600\nrelease G3\nrelease C3\nrelease E3\n"
    events = both("button arp tap\n" + pick(MODE_KEYS["as played"]) + keys)
    assert [note for _, note in ons(events)][:7] == [55, 48, 52, 55, 48, 52, 55]
    check_no_stuck_note(events)


def test_random_mode_is_deterministic_and_plays_only_held_notes():
    script = ARP_ON_WITH_CHORDS + pick(MODE_KEYS["random"]) + "press C3\nwait 5000\nrelease C3\n"
    first = both(script)
    notes = [note for _, note in ons(first)]
    assert len(notes) >= 20 and set(notes) == set(C_MAJOR)
    assert notes != ([48, 52, 55] * 10)[: len(notes)]  # not simply the up order
    assert lines(play(script, "cpython")) == lines(first)  # the same again: a fixed seed
    check_no_stuck_note(first)


@pytest.mark.parametrize("rate", list(RATE_BEATS))
def test_every_rate_lands_each_step_on_its_exact_tick(rate):
    events = both(ARP_ON_WITH_CHORDS + pick(RATE_KEYS[rate]) + "press C3\nwait 3000\nrelease C3\n")
    times = [t for t, _ in ons(events)]
    start = times[0]
    step = step_us(rate)
    expected = [due_ms(start, k, step) for k in range(len(times))]
    assert [t // 1000 for t in times] == expected
    assert len(times) >= 3000 * 1000 // step  # every step of the 3 s was played
    check_no_stuck_note(events)


@pytest.mark.parametrize("gate", [10, 50, 90])
def test_gate_is_the_share_of_its_step_a_note_sounds(gate):
    events = both(ARP_ON_WITH_CHORDS + pick(GATE_KEYS[gate]) + "press C3\nwait 1200\nrelease C3\n")
    notes = midi(events, "note_on", "note_off")
    start = notes[0][0]
    step = step_us("1/8")
    offs = [t for t, m in notes if m.type == "note_off"][:4]
    # Step k's note ends floor(step * gate / 100) after its (exact) start: the tick at or after that.
    for k, t in enumerate(offs):
        begins = start + math.floor(k * step)
        length = math.floor((k + 1) * step) - math.floor(k * step)
        assert t // 1000 == math.ceil((begins + length * gate // 100) / 1000)


def test_swing_delays_every_second_step():
    setup = ARP_ON_WITH_CHORDS + pick(RATE_KEYS["1/16"]) + pick(SWING_KEYS[75])
    events = both(setup + "press C3\nwait 1100\nrelease C3\n")
    times = [t for t, _ in ons(events)]
    start = times[0]
    step = 125_000  # 1/16 at 120 BPM
    delay = step * (75 - 50) // 50  # 62.5 ms: the first of each pair lasts 3/4 of the pair
    expected = [math.ceil((start + k * step + (delay if k % 2 else 0)) / 1000) for k in range(len(times))]
    assert [t // 1000 for t in times] == expected
    # 187.5 ms then 62.5 ms: the swung step lands on the tick after its due time.
    assert times[1] - times[0] == 188_000 and times[2] - times[1] == 62_000


@pytest.mark.parametrize("octaves", [2, 4])
def test_octave_range_climbs_the_pattern(octaves):
    setup = ARP_ON_WITH_CHORDS + pick(RATE_KEYS["1/16"]) + pick(OCTAVE_KEYS[octaves])
    events = both(setup + "press C3\nwait 3000\nrelease C3\n")
    cycle = [note + 12 * o for o in range(octaves) for note in C_MAJOR]
    notes = [note for _, note in ons(events)]
    assert notes[: 2 * len(cycle)] == cycle * 2
    assert len({m.velocity for _, m in midi(events, "note_on")}) == 1  # octave copies play as hard as their notes


def test_latch_keeps_playing_after_release_until_a_new_chord():
    script = ARP_ON_WITH_CHORDS + pick(LATCH_ON) + "press C3\nwait 300\nrelease C3\nwait 1000\n"
    script += "press D3\nwait 600\nrelease D3\nwait 500\n" + pick(LATCH_OFF)
    events = both(script)
    notes = [note for _, note in ons(events)]
    c_steps = [n for n in notes if n in C_MAJOR]
    # C E G keeps going for the 1.3 s before D3 (a step every 250 ms), then D F# A replaces it.
    assert len(c_steps) >= 5
    d_steps = notes[len(c_steps):]
    assert d_steps and set(d_steps) == {50, 54, 57}
    d_pressed_at = ons(events)[len(c_steps)][0]
    assert all(t < d_pressed_at for t, note in ons(events) if note in C_MAJOR)  # none after the new chord
    # Latch off with no key down: the pattern stops, and the clock with it.
    assert midi(events)[-1][1].type == "stop"
    check_no_stuck_note(events)


def test_turning_the_arp_off_mid_note_ends_it():
    # Off 540 ms in: in the middle of the third step's note (90 % gate), C3 still held.
    events = both(ARP_ON_WITH_CHORDS + pick(GATE_KEYS[90]) + "press C3\nwait 540\nbutton arp tap\nwait 500\nrelease C3\n")
    check_no_stuck_note(events)
    kinds = [m.type for _, m in midi(events)]
    assert kinds.count("start") == 1 and kinds.count("stop") == 1
    last_on = max(t for t, m in midi(events, "note_on"))
    stop = [t for t, m in midi(events) if m.type == "stop"][0]
    assert last_on < stop  # no note after the arp went off


@pytest.mark.parametrize(
    "setting_key", [MODE_KEYS["down"], MODE_KEYS["random"], OCTAVE_KEYS[3], OCTAVE_KEYS[1], RATE_KEYS["1/32T"]]
)
def test_changing_a_setting_mid_pattern_strands_no_note(setting_key):
    script = ARP_ON_WITH_CHORDS + pick(OCTAVE_KEYS[2]) + pick(GATE_KEYS[90]) + "press C3\nwait 430\n"
    script += pick(setting_key) + "wait 700\nrelease C3\n"
    events = both(script)
    check_no_stuck_note(events)
    assert len(ons(events)) >= 4


def test_arp_over_a_single_key_without_chords():
    events = both("button arp tap\n" + pick(RATE_KEYS["1/4"]) + "press A3\nwait 1100\nrelease A3\n")
    assert [note for _, note in ons(events)] == [57] * 3
    check_no_stuck_note(events)


def test_clock_sends_start_24_pulses_a_quarter_exactly_spaced_and_stop():
    events = both(ARP_ON_WITH_CHORDS + "press C3\nwait 2000\nrelease C3\n")
    clock = midi(events, "start", "clock", "stop")
    assert clock[0][1].type == "start" and clock[-1][1].type == "stop"
    pulses = [t for t, m in clock if m.type == "clock"]
    start = clock[0][0]
    assert pulses[0] == start == ons(events)[0][0]  # FA, the first F8 and the first step share a tick
    period = Fraction(60_000_000, 120 * 24)
    assert [t // 1000 for t in pulses] == [due_ms(start, n, period) for n in range(len(pulses))]
    # 2 s at 120 BPM: 4 beats of 24 pulses (96 spaced pulses), plus the release's debounce.
    assert 96 <= len(pulses) <= 96 + 2


def _taps(interval_ms: int, n: int) -> str:
    # A tap holds the button 10 ms and waits 10 ms after it (emulator STABLE_US): 20 ms of each interval.
    return "".join(f"button tap_tempo tap\nwait {interval_ms - 20}\n" for _ in range(n))


def _arp_quarters(taps: str):
    events = both(ARP_ON_WITH_CHORDS + pick(RATE_KEYS["1/4"]) + taps + "press C3\nwait 2500\nrelease C3\n")
    times = [t for t, _ in ons(events)]
    pulses = [t for t, m in midi(events, "clock")]
    return times, pulses


def test_tap_tempo_four_taps_at_400_ms_give_150_bpm():
    times, pulses = _arp_quarters(_taps(400, 4))
    start = times[0]
    assert [t // 1000 for t in times] == [due_ms(start, k, Fraction(400_000)) for k in range(len(times))]
    period = Fraction(60_000_000, 150 * 24)
    assert [t // 1000 for t in pulses] == [due_ms(start, n, period) for n in range(len(pulses))]


def test_tap_tempo_averages_only_the_last_four_intervals():
    # Intervals 1000, 400, 400, 400, 400 ms: the 1000 falls out of the window: 150 BPM (400 ms).
    times, _ = _arp_quarters(_taps(1000, 1) + _taps(400, 4) + "button tap_tempo tap\nwait 100\n")
    assert [t - times[0] for t in times[:4]] == [0, 400_000, 800_000, 1_200_000]
    # Intervals 500, 300, 300, 300: their mean is 350 ms, 171.4 BPM, rounded to 171.
    times, _ = _arp_quarters(_taps(500, 1) + _taps(300, 3) + "button tap_tempo tap\nwait 100\n")
    assert [t // 1000 for t in times] == [due_ms(times[0], k, Fraction(60_000_000, 171)) for k in range(len(times))]


def test_tap_tempo_is_clamped_to_30_240_bpm():
    times, _ = _arp_quarters(_taps(100, 5))  # 600 BPM tapped: 240
    assert [t - times[0] for t in times[:3]] == [0, 250_000, 500_000]


def test_a_pause_over_two_seconds_forgets_the_old_taps():
    # Two taps 400 ms apart (150 BPM), a 2.5 s pause, then taps 600 ms apart: 100 BPM, not a mix.
    taps = _taps(400, 1) + "button tap_tempo tap\nwait 2500\n" + _taps(600, 1) + "button tap_tempo tap\nwait 100\n"
    times, _ = _arp_quarters(taps)
    assert [t - times[0] for t in times[:3]] == [0, 600_000, 1_200_000]


def test_arp_led_blinks_on_the_beat_while_the_arp_is_on():
    events = both("button arp tap\nwait 1990\nbutton arp tap\n")
    arp_led = [(e.time_us, e.on) for e in events if isinstance(e, LedEvent) and e.led == "arp"]
    lit = [t for t, on in arp_led if on]
    assert len(lit) >= 4
    gaps = {b - a for a, b in zip(lit[1:], lit[2:])}
    assert gaps <= {500_000, 501_000}  # every beat at 120 BPM, to the tick
    assert arp_led[-1][1] is False  # off with the arp
