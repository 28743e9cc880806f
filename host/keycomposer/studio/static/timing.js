// Ticks to seconds through a composition's tempo map (the server sends ticks, resolution and tempos as the
// MIDI file has them; Composition.seconds is the same rule on the server).

export function secondsAt(music, tick) {
  let elapsed = 0;
  const tempos = music.tempos;
  for (let i = 0; i < tempos.length; i++) {
    const [here, usPerBeat] = tempos[i];
    const until = i + 1 < tempos.length ? Math.min(tick, tempos[i + 1][0]) : tick;
    if (until > here) elapsed += (until - here) * usPerBeat / 1e6 / music.resolution;
  }
  return elapsed;
}

export function tickAt(music, seconds) {
  let elapsed = 0;
  const tempos = music.tempos;
  for (let i = 0; i < tempos.length; i++) {
    const [here, usPerBeat] = tempos[i];
    const perTick = usPerBeat / 1e6 / music.resolution;
    const next = i + 1 < tempos.length ? tempos[i + 1][0] : Infinity;
    const span = (next - here) * perTick;
    if (seconds <= elapsed + span) return here + (seconds - elapsed) / perTick;
    elapsed += span;
  }
  return music.end;
}
