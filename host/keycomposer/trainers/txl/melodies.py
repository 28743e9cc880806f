"""Melodies from the music21 corpus for the Transformer-XL: parse once, cache, split by tune.

    .venv-train/bin/python -m tools.txl.data            # writes out/txl/melodies.npz (15 to 30 min, 3 processes)

(`keycomposer train txl --data melodies` builds the same cache in the person's data folder.)

The keyboard plays melodies, so the model learns melodies: the top line of each piece (its first part: the
chorales' soprano, the quartets' first violin, the madrigals' canto), in two styles:
- classical: the 371 Bach chorales, the Haydn, Mozart and Beethoven string-quartet movements and Monteverdi's
  madrigals;
- folk: the Essen folksong collection and O'Neill's 1850 collection.
Each melody is read onto a 16th-note grid (`keycomposer.models.melody_tokens.Melody`): ties joined, grace
notes left out, a chord read as its top note, the bars from the piece's own measures (a pickup is the end of
a whole bar). Each file's melodies are kept in out/txl/parsed/ as soon as it is read, so an interrupted run
goes on where it stopped.

The split goes by tune, not by file: a hash of the melody's first intervals and note lengths (unchanged by
transposition), so a tune that recurs (a chorale melody harmonized twice, a folk tune in two collections)
lands on one side. `load` leaves out of every split the pieces that share one of the openings it is given:
tools/txl/data.py gives it those of our own melodies (tools/bench/own_melodies.py), so those stay unseen.
"""

import argparse
import hashlib
import multiprocessing
import os
import pickle
import signal
import sys
import time

import numpy as np

from keycomposer.models.melody_tokens import MAX_BAR, Melody, monophonic

SPLIT_SHARES = (("train", 80), ("valid", 10), ("test", 10))  # percent, in hash order
DEFAULT_CACHE = os.path.join("out", "txl", "melodies.npz")
PARSED = os.path.join("out", "txl", "parsed")
STYLES = ("classical", "folk")
QUARTET_COMPOSERS = ("haydn", "mozart", "beethoven")
SLOW_TO_PARSE = ("beethoven/opus133.mxl",)  # the Grosse Fuge: music21 needs many minutes for it
KEY_NOTES = 12  # notes of the opening that name a tune for the split
MIN_NOTES = 8


def split_of(key: str) -> str:
    """train / valid / test from the first bytes of sha256(key): stable everywhere."""
    bucket = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % 100
    for name, share in SPLIT_SHARES:
        if bucket < share:
            return name
        bucket -= share
    raise AssertionError("split shares must add up to 100")


def tune_key(notes: np.ndarray, count: int = KEY_NOTES) -> str:
    """The opening's intervals and note lengths, which transposition leaves alone."""
    head = notes[:count]
    intervals = np.diff(head[:, 2])
    return ",".join(map(str, intervals)) + "|" + ",".join(map(str, head[:, 1]))


def sources() -> list:
    """(style, corpus path) of every file to read, classical first."""
    from music21 import corpus

    def relative(path):
        path = str(path)
        return path.split("/corpus/", 1)[1] if "/corpus/" in path else path

    classical = [relative(p) for p in corpus.chorales.Iterator(returnType="filename")]
    for composer in QUARTET_COMPOSERS:
        classical += sorted(n for n in map(relative, corpus.getComposer(composer))
                            if n.endswith(".mxl") and n not in SLOW_TO_PARSE and "k545" not in n)
    classical += sorted(map(relative, corpus.getComposer("monteverdi")))
    folk = sorted(map(relative, corpus.getComposer("essenFolksong")))
    folk += sorted(map(relative, corpus.getComposer("oneills1850")))
    return [("classical", p) for p in classical] + [("folk", p) for p in folk]


def part_melody(part) -> Melody | None:
    """The part's line on the 16th grid with its bars, or None when it has no usable bars or notes."""
    from music21 import stream

    part = part.stripTies()
    measures = list(part.getElementsByClass(stream.Measure))
    if not measures:
        return None
    starts, lengths = [], []
    for index, measure in enumerate(measures):
        start = round(float(measure.offset) * 4)
        whole = round(float(measure.barDuration.quarterLength) * 4)
        if index == 0:
            written = round(float(measure.highestTime) * 4)
            if 0 < written < whole:  # a pickup: the end of a whole bar
                start -= whole - written
        starts.append(start)
        lengths.append(whole)
    starts = np.array(starts)
    lengths = np.array(lengths)
    lengths[:-1] = np.diff(starts)  # what the measures really span (a short last bar before a repeat, say)
    if (lengths < 1).any() or (lengths > MAX_BAR).any():
        return None
    rows = []
    for element in part.flatten().notes:
        length = float(element.quarterLength)
        if length <= 0:
            continue
        pitch = max(p.midi for p in element.pitches)
        rows.append((round(float(element.offset) * 4), max(1, round(length * 4)), pitch))
    notes = monophonic(np.array(rows, dtype=np.int64).reshape(-1, 3))
    if len(notes) < MIN_NOTES:
        return None
    shift = -int(starts[0])
    notes[:, 0] += shift
    bars = np.stack([starts + shift, lengths], axis=1)
    inside = (notes[:, 0] >= 0) & (notes[:, 0] < bars[-1].sum())
    return Melody(notes[inside], bars)


class PieceTimeout(Exception):
    pass


def _out_of_time(signum, frame):
    raise PieceTimeout()


def _leave_interrupts_to_the_parent() -> None:
    """A worker ignores Ctrl-C: the parent stops the pool, and no worker prints a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def read_file(job) -> tuple:
    """(style, path, [(id, Melody), ...], problem or None) for one corpus file (an ABC file holds many tunes)."""
    style, path, timeout = job[:3]
    from music21 import corpus

    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(timeout)
    found = []
    try:
        parsed = corpus.parse(path)
        scores = list(parsed.scores) if hasattr(parsed, "scores") else [parsed]
        for number, score in enumerate(scores):
            if not score.parts:
                continue
            melody = part_melody(score.parts[0])
            if melody is not None:
                found.append((f"{path}#{number}" if len(scores) > 1 else path, melody))
    except PieceTimeout:
        return style, path, found, f"not parsed within {timeout} s"
    except Exception as error:  # a file music21 cannot read is reported and left out, not fatal
        return style, path, found, f"{type(error).__name__}: {error}"
    finally:
        signal.alarm(0)
    return style, path, found, None


def _kept(job) -> tuple:
    """read_file, through a per-file cache in the job's folder (a file read once is never parsed again)."""
    style, name, _, parsed = job
    place = os.path.join(parsed, hashlib.sha256(name.encode()).hexdigest()[:20] + ".pickle")
    if os.path.exists(place):
        with open(place, "rb") as f:
            return pickle.load(f)
    result = read_file(job)
    if result[3] is None or result[2]:  # a timeout is not kept: a later run may have more time
        with open(place + ".tmp", "wb") as f:
            pickle.dump(result, f)
        os.replace(place + ".tmp", place)
    return result


def prepare(path: str, processes: int, timeout: int, parsed: str = PARSED) -> None:
    """Reads every corpus file (each kept in `parsed` once read) and writes the cache to `path`."""
    os.makedirs(parsed, exist_ok=True)
    jobs = [(style, name, timeout, parsed) for style, name in sources()]
    ids, styles, notes, bars, skipped = [], [], [], [], []
    started = time.monotonic()
    with multiprocessing.Pool(processes, initializer=_leave_interrupts_to_the_parent) as pool:
        for done, (style, name, found, problem) in enumerate(pool.imap(_kept, jobs), 1):
            if problem:
                skipped.append(f"{name}: {problem}")
            for piece_id, melody in found:
                ids.append(piece_id)
                styles.append(style)
                notes.append(melody.notes)
                bars.append(melody.bars)
            if done % 50 == 0 or done == len(jobs):
                print(f"read {done}/{len(jobs)} files, {len(ids)} melodies, {time.monotonic() - started:.0f} s", flush=True)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    keys = [tune_key(n) for n in notes]
    np.savez_compressed(
        path,
        ids=np.array(ids), styles=np.array(styles), keys=np.array(keys),
        splits=np.array([split_of(k) for k in keys]),
        note_offsets=np.concatenate([[0], np.cumsum([len(n) for n in notes])]),
        notes=np.concatenate(notes), bar_offsets=np.concatenate([[0], np.cumsum([len(b) for b in bars])]),
        bars=np.concatenate(bars), skipped=np.array(skipped, dtype=str),
    )
    for line in skipped:
        print("skipped", line)
    print(f"wrote {path}: {len(ids)} melodies, {sum(len(n) for n in notes)} notes")


def shares_an_opening(notes: np.ndarray, openings: list) -> bool:
    """True when the melody holds one of `openings` (interval sequences) anywhere."""
    intervals = ",".join(map(str, np.diff(notes[:, 2]))) + ","
    return any(opening in intervals for opening in openings)


def load(path: str = DEFAULT_CACHE, style: str | None = None, leave_out: list = ()) -> dict:
    """{'train': [(id, style, Melody), ...], 'valid': [...], 'test': [...]} from the cache `prepare` wrote,
    without the pieces that share one of the openings `leave_out` (interval strings, see `shares_an_opening`)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `python -m tools.txl.data` first")
    cache = np.load(path)
    openings = list(leave_out)
    out = {name: [] for name, _ in SPLIT_SHARES}
    n_off, b_off = cache["note_offsets"], cache["bar_offsets"]
    notes, bars = cache["notes"], cache["bars"]  # each access to an npz member decompresses it anew
    for k, (piece_id, piece_style, split) in enumerate(zip(cache["ids"], cache["styles"], cache["splits"])):
        if style is not None and piece_style != style:
            continue
        melody = Melody(notes[n_off[k]:n_off[k + 1]].copy(), bars[b_off[k]:b_off[k + 1]].copy())
        if shares_an_opening(melody.notes, openings):
            continue
        out[str(split)].append((str(piece_id), str(piece_style), melody))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_CACHE, help="where to write the cache (default %(default)s)")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=120, help="skip a file that takes longer to parse (s)")
    args = parser.parse_args(argv)
    prepare(args.out, args.processes, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
