"""A piece of the person's read as voices for training: its highest pitched tracks, top first, one voice each.

Both the AR-CNN's trainer (soprano, alto, tenor, bass) and the GAN's (melody, then three accompaniment parts)
read a folder's pieces this way: the tracks with notes, drums (channel 10) left out, sorted by mean pitch; the
highest ``count`` kept; each made one voice on the 16th-note grid (of notes that start together the highest,
a note cut where the next one starts).
"""

STEPS_PER_QUARTER = 4  # 16th notes
DRUM_CHANNEL = 9


def highest_voices(composition, count: int = 4):
    """(voices, found): ``count`` lists of (start step, end step, MIDI pitch), top voice first, or None when the
    piece has fewer pitched tracks with notes; ``found`` is how many it has."""
    tracks = [track for track in composition.tracks if track.notes and track.channel != DRUM_CHANNEL]
    if len(tracks) < count:
        return None, len(tracks)
    tracks = sorted(tracks, key=lambda t: -sum(n.pitch for n in t.notes) / len(t.notes))[:count]
    grid = composition.resolution / STEPS_PER_QUARTER
    voices = []
    for track in tracks:
        starts = {}
        for note in track.notes:
            start = int(round(note.start / grid))
            end = max(start + 1, int(round((note.start + note.duration) / grid)))
            if start not in starts or note.pitch > starts[start][1]:
                starts[start] = (end, note.pitch)
        ordered = sorted(starts.items())
        voices.append([(start, min(end, ordered[k + 1][0]) if k + 1 < len(ordered) else end, pitch)
                       for k, (start, (end, pitch)) in enumerate(ordered)])
    return voices, len(tracks)
