# Record and playback: the take plays back with the timing it was played with (to the scan tick), a full
# buffer ends the take with note-offs for what it held, a new take replaces the old one only once it is
# finished, and stopping playback midway leaves no note sounding.
import gc

import pins
from core.recorder import TAKE_EVENTS
from fakeboard import Rig, bend, cc, hexes, note_off, note_on

rig = Rig()
board = rig.board
recorder = rig.keyboard.recorder
timeline = []  # (ms, packet) of every channel message sent, in order
clock = []  # (ms, byte) of every real-time byte sent
notices = []  # (ms, bytes) of the SysEx notices sent (RECORD_STATE, GENERATE_REQUEST): not part of a take
keeping = [True]  # False: only counted in `summary` (MicroPython's test heap is 1 MB)
summary = {"first": None, "last": None, "bends": 0}


def run(ms):
    for _ in range(ms):
        rig.run_ms(1)
        packets = rig.take()
        now_ms = rig.now_us // 1000
        for packet in packets:
            if packet[0] == 0x0F:
                if keeping[0]:
                    clock.append((now_ms, packet[1]))  # MIDI clock (F8 FA FC): the clock's own tests time it
                continue
            if 0x04 <= packet[0] <= 0x07:  # SysEx packets (CIN 4..7): the notices to the host
                notices.append((now_ms, bytes(packet)))
                continue
            if keeping[0]:
                timeline.append((now_ms, packet))
            else:
                if summary["first"] is None:
                    summary["first"] = (now_ms, packet)
                summary["last"] = (now_ms, packet)
                summary["bends"] += packet[0] == 0x0E


def since(start_ms):
    return [(t - start_ms, p) for t, p in timeline if t >= start_ms]


def clock_since(start_ms):
    """Clock bytes since start_ms: start, the number of pulses, stop."""
    sent = [byte for t, byte in clock if t >= start_ms]
    return [b for b in sent if b != 0xF8], len([b for b in sent if b == 0xF8])


def press_button(button):
    """Press and let go; returns the ms of the scan that saw the press."""
    board.set_switch(pins.BUTTON_POS[button], True)
    run(1)
    pressed = rig.now_us // 1000
    run(9)
    board.set_switch(pins.BUTTON_POS[button], False)
    run(10)
    return pressed


def press(key, travel_ms):
    rig.contact(key, 1, True)
    run(travel_ms)
    rig.contact(key, 2, True)
    run(1)


def release(key):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
    run(1)


def wheel(value):
    board.adc[pins.ADC_PITCH] = value
    run(1)


print("record: a phrase with a wheel and a held pedal")
run(5)
record_at = press_button(pins.BUTTON_RECORD)
assert board.leds[pins.LED_RECORD] and recorder.recording
run(13)
press(0, 2)
run(100)
press(4, 4)
wheel(50000)
run(37)
wheel(32768)
release(0)
run(250)
board.pedal_level = not board.pedal_level
run(20)
release(4)
board.pedal_level = not board.pedal_level
run(40)
stop_at = press_button(pins.BUTTON_RECORD)
take_ms = stop_at - record_at
assert not board.leds[pins.LED_RECORD] and not recorder.recording
recorded = [(t, p) for t, p in since(record_at) if t < stop_at - record_at]
print("recorded:", " ".join("%d:%s" % (t, hexes([p])) for t, p in recorded))
assert recorder.take_events == len(recorded)
# the host heard the take start and end: F0 7D 4B 60 01 F7 and F0 7D 4B 60 00 F7, two packets each
assert [(t - record_at, n) for t, n in notices] == [
    (0, b"\x04\xf0\x7d\x4b"), (0, b"\x07\x60\x01\xf7"),
    (take_ms, b"\x04\xf0\x7d\x4b"), (take_ms, b"\x07\x60\x00\xf7")]
print("notices: take started at 0 ms, ended at %d ms" % take_ms)

print("playback: the same messages at the same times after the playback button")
run(77)
play_at = press_button(pins.BUTTON_PLAYBACK)
run(stop_at - record_at + 50)
assert not recorder.playing
played = since(play_at)
print("played:  ", " ".join("%d:%s" % (t, hexes([p])) for t, p in played))
assert played == recorded
print("   MIDI clock while it played: start, stop and %d pulses" % clock_since(play_at)[1])
assert clock[0] == (play_at, 0xFA)
assert clock_since(play_at)[0] == [0xFA, 0xFC] and clock_since(play_at)[1] > 20

print("on another channel: playback follows the current channel")
rig.keyboard.set_channel(2)
run(1)
start = rig.now_us // 1000
play_at = press_button(pins.BUTTON_PLAYBACK)
run(stop_at - record_at + 50)
moved = [(t, (p[0], (p[1] & 0xF0) | 2, p[2], p[3])) for t, p in recorded]
assert since(play_at) == moved
rig.keyboard.set_channel(0)
run(1)

print("stop midway: note-offs for the notes playback started")
play_at = press_button(pins.BUTTON_PLAYBACK)
run(150 - (rig.now_us // 1000 - play_at))  # both keys' notes are on by 150 ms, the first off at 185
stopped_at = press_button(pins.BUTTON_PLAYBACK)
tail = [p for t, p in since(stopped_at)]
print("   at the stop:", hexes(tail))
assert tail == [note_off(48), note_off(52), bend(8192)]  # the wheel had moved at 141 ms
assert not recorder.playing

print("a new take replaces the old one only when it is finished")
record_at = press_button(pins.BUTTON_RECORD)
press(10, 3)
run(50)
release(10)
run(20)
old_events = recorder.take_events
play_at = press_button(pins.BUTTON_PLAYBACK)  # while recording: the old take plays
run(take_ms + 50)
replayed = [p for t, p in since(play_at) if p[2] == 48 or p[2] == 52]
assert replayed[0] == note_on(48, 127)
assert recorder.take_events == old_events
press_button(pins.BUTTON_RECORD)
assert recorder.take_events == 2
timeline.clear()
play_at = press_button(pins.BUTTON_PLAYBACK)
run(200)
assert [p for t, p in since(play_at)] == [note_on(58, 113), note_off(58)]

run(1000)  # that take (it lasted through the first one's playback) plays to its end
assert not recorder.playing
print("a take that ends with the pedal down and the wheel bent ends them too")
record_at = press_button(pins.BUTTON_RECORD)
board.pedal_level = not board.pedal_level
run(10)
wheel(60000)
run(10)
stop_at = press_button(pins.BUTTON_RECORD)
board.pedal_level = not board.pedal_level  # the live pedal and wheel come back afterwards
wheel(32768)
run(20)
timeline.clear()
play_at = press_button(pins.BUTTON_PLAYBACK)
run(stop_at - record_at + 50)
played = since(play_at)
print("   played:", " ".join("%d:%s" % (t, hexes([p])) for t, p in played))
assert played[0][1] == cc(64, 127)
assert played[-2:] == [(stop_at - record_at, cc(64, 0)), (stop_at - record_at, bend(8192))]
print("stopped with the pedal down: the pedal goes up")
first = played[0][0]  # the pedal; the wheel's bend comes 10 ms later
play_at = press_button(pins.BUTTON_PLAYBACK)
run(first + 3 - (rig.now_us // 1000 - play_at))
stopped_at = press_button(pins.BUTTON_PLAYBACK)
assert [p for t, p in since(play_at)] == [cc(64, 127), cc(64, 0)]

print("eight bars at 120 BPM end the take at 16 s")
record_at = press_button(pins.BUTTON_RECORD)
press(31, 2)
run(16000 - 20 - 3)
assert recorder.recording
run(1)
assert not recorder.recording and recorder.take_length_ms == 16000
release(31)
run(20)
timeline.clear()
play_at = press_button(pins.BUTTON_PLAYBACK)
run(16100)
played = since(play_at)
assert [p for t, p in played] == [note_on(79, 127), note_off(79)] and played[1][0] == 16000

print("a panic stops playback without stranding its notes")
timeline.clear()
play_at = press_button(pins.BUTTON_PLAYBACK)
run(100)
rig.keyboard.panic()
run(1)
assert not recorder.playing
print("   after the panic:", hexes([p for t, p in since(play_at)]))
assert [p for t, p in since(play_at)] == [note_on(79, 127), note_off(79), cc(123, 0)]  # the panic ends it

print("at 240 BPM (the tap tempo's) eight bars are 8 s")
rig.keyboard.tempo.set_bpm(240)
record_at = press_button(pins.BUTTON_RECORD)
run(8000 - 19 - 1)
assert recorder.recording
run(1)
assert not recorder.recording and recorder.take_length_ms == 8000 and recorder.take_events == 0
rig.keyboard.tempo.set_bpm(120)

timeline.clear()
clock.clear()
gc.collect()  # room for the whole packet log on MicroPython's 1 MB test heap
rig.finish()  # every note-off ends a sounding note, nothing sounds at the end

# A fresh keyboard (the packet log of the one above is checked whole; this part sends thousands of bends).
rig = Rig()
board = rig.board
recorder = rig.keyboard.recorder
print("a full buffer ends the take: the held key gets its note-off in the take")
timeline.clear()
record_at = press_button(pins.BUTTON_RECORD)
press(20, 2)
keeping[0] = False
sweep = 0
while recorder.recording:
    sweep = (sweep + 1) % 200
    wheel((sweep if sweep < 100 else 200 - sweep) * 655)
ended_at = rig.now_us // 1000 - record_at
print("   full after %d ms with %d events" % (ended_at, recorder.take_events))
# Its end: the held key's note-off and the wheel back to centre (room for the pedal's release is kept too).
assert recorder.take_events == TAKE_EVENTS - 1
assert not board.leds[pins.LED_RECORD]
wheel(32768)
release(20)  # the live note-off goes out, but the take already ended the note
run(20)
summary["first"] = None
summary["bends"] = 0
play_at = press_button(pins.BUTTON_PLAYBACK)
run(ended_at + 50)
keeping[0] = True
assert not recorder.playing
print("   played back: first %r, last %r, %d bends" % (summary["first"], summary["last"], summary["bends"]))
assert summary["first"][1] == note_on(68, 127)
last_time, last_packet = summary["last"]
assert last_packet == bend(8192) and last_time - play_at == ended_at
assert summary["bends"] == TAKE_EVENTS - 3  # the note-on and the note-off are the two others

print("ok")
