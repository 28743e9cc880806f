"""MIDI file fixtures as annotated hex dumps, each named after what it holds or its defect."""


def hexdump(text: str) -> bytes:
    """Bytes from hex pairs; everything after '#' on a line is a comment."""
    return bytes.fromhex(" ".join(line.split("#")[0] for line in text.splitlines()))


TYPE0_ONE_NOTE = hexdump("""
    4d 54 68 64  00 00 00 06     # MThd, header length 6
    00 00  00 01  00 60          # type 0, 1 track, 96 ticks per beat
    4d 54 72 6b  00 00 00 1e     # MTrk, 30 bytes
    00 ff 51 03 07 a1 20         # tempo 500000 us per beat (120 BPM)
    00 ff 58 04 03 02 18 08      # time signature 3/4
    00 c0 05                     # program change: channel 1, program 5
    00 90 3c 64                  # note on: middle C, velocity 100
    60 80 3c 40                  # 96 ticks later: note off
    00 ff 2f 00                  # end of track
""")

TYPE1_TWO_TRACKS = hexdump("""
    4d 54 68 64  00 00 00 06
    00 01  00 03  01 e0          # type 1, 3 tracks, 480 ticks per beat
    4d 54 72 6b  00 00 00 13     # conductor track, 19 bytes
    00 ff 51 03 09 27 c0         # tempo 600000 us per beat (100 BPM)
    83 60 ff 51 03 07 a1 20      # at tick 480: tempo 500000 (120 BPM)
    00 ff 2f 00
    4d 54 72 6b  00 00 00 14     # melody, 20 bytes
    00 ff 03 04 4c 65 61 64      # track name "Lead"
    00 90 40 50                  # E4 on
    83 60 40 00                  # 480 ticks later: note on with velocity 0 = note off
    00 ff 2f 00
    4d 54 72 6b  00 00 00 0c     # drums, 12 bytes
    00 99 24 7f                  # channel 10: bass drum on
    78 89 24 00                  # 120 ticks later: off
    00 ff 2f 00
""")

TYPE2 = hexdump("""
    4d 54 68 64  00 00 00 06
    00 02  00 01  00 60          # type 2: asynchronous tracks
    4d 54 72 6b  00 00 00 04
    00 ff 2f 00
""")

ZERO_TICKS_PER_BEAT = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 00          # division 0
    4d 54 72 6b  00 00 00 0c
    00 90 3c 64  60 80 3c 40  00 ff 2f 00
""")

SMPTE_DIVISION = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  e7 28          # -25 frames per second, 40 ticks per frame
    4d 54 72 6b  00 00 00 0c
    00 90 3c 64  60 80 3c 40  00 ff 2f 00
""")

TRUNCATED = TYPE0_ONE_NOTE[:-9]  # cut inside the note-off

NO_NOTES = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 60
    4d 54 72 6b  00 00 00 0b
    00 ff 51 03 07 a1 20         # a tempo and nothing else
    00 ff 2f 00
""")

UNDEFINED_STATUS = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 60
    4d 54 72 6b  00 00 00 08
    00 f4 01 02                  # 0xF4 is an undefined status byte
    00 ff 2f 00
""")

HANGING_NOTE = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 60
    4d 54 72 6b  00 00 00 09
    00 90 3c 64                  # note on that is never switched off
    83 00 ff 2f 00               # end of track 384 ticks later
""")

TOO_LONG = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 01          # 1 tick per beat
    4d 54 72 6b  00 00 00 0f
    00 90 3c 64
    81 80 80 00 80 3c 40         # note off 2 097 152 beats later: far beyond any song
    00 ff 2f 00
""")

BAD_KEY_SIGNATURE = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 60
    4d 54 72 6b  00 00 00 0a
    00 ff 59 02 b3 b3            # key signature: -77 flats, mode 179 (mido raises its own error type)
    00 ff 2f 00
""")

ZERO_TEMPO = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 60
    4d 54 72 6b  00 00 00 13
    00 ff 51 03 00 00 00         # tempo: 0 microseconds per beat
    00 90 3c 64  60 80 3c 40
    00 ff 2f 00
""")

HEADER_DECLARES_65_TRACKS = hexdump("""
    4d 54 68 64  00 00 00 06
    00 01  00 41  00 60          # type 1, 65 tracks (more than an input may have), 96 ticks per beat
    4d 54 72 6b  00 00 00 0c     # only one of them follows
    00 90 3c 40                  # middle C on
    60 80 3c 00                  # off
    00 ff 2f 00
""")

NOTE_HELD_PAST_10000_BEATS = hexdump("""
    4d 54 68 64  00 00 00 06
    00 00  00 01  00 60          # type 0, 1 track, 96 ticks per beat
    4d 54 72 6b  00 00 00 0e     # 14 bytes
    00 90 3c 40                  # middle C on
    ba cc 01                     # 960001 ticks later: 10000 beats and a tick (7-bit groups 3a 4c 01)
    80 3c 00                     # off
    00 ff 2f 00
""")
