// The piano roll: one colour a track, bar lines, pitch names, and the player's cursor.

export const TRACK_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
export const pitchName = (pitch) => `${NAMES[pitch % 12]}${Math.floor(pitch / 12) - 1}`;
const GUTTER = 40;

// Options: cursor (a tick, or null), empty (what an empty roll says), end (the tick at the right edge, so two
// rolls can share one time scale; default: the last bar line).
export function drawRoll(canvas, music, { cursor = null, empty = "nothing yet", end = null } = {}) {
  const cursorTick = cursor;
  const ctx = canvas.getContext("2d");
  const width = canvas.width, height = canvas.height;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  const notes = music ? music.tracks.flatMap((track) => track.notes) : [];
  if (!notes.length) {
    ctx.fillStyle = "#889";
    ctx.fillText(music ? "no notes" : empty, GUTTER + 8, height / 2);
    canvas.dataset.notes = "0";
    return;
  }
  let low = Math.min(...notes.map((n) => n[2])) - 2, high = Math.max(...notes.map((n) => n[2])) + 2;
  if (high - low < 24) { const grow = 24 - (high - low); low -= Math.floor(grow / 2); high += Math.ceil(grow / 2); }
  end = Math.max(end ?? 0, music.end, music.bar_lines.at(-1) || 0, 1);
  const rowHeight = height / (high - low + 1);
  const x = (tick) => GUTTER + (tick / end) * (width - GUTTER - 2);
  const y = (pitch) => (high - pitch) * rowHeight;
  // Rows: black keys shaded, pitch names on every C (and on every row when there is room).
  for (let pitch = low; pitch <= high; pitch++) {
    if ([1, 3, 6, 8, 10].includes(pitch % 12)) { ctx.fillStyle = "#eef0f5"; ctx.fillRect(GUTTER, y(pitch), width, rowHeight); }
    if (pitch % 12 === 0 || rowHeight >= 11) {
      ctx.fillStyle = pitch % 12 === 0 ? "#333" : "#99a";
      ctx.fillText(pitchName(pitch), 2, y(pitch) + rowHeight - 1);
    }
  }
  // Bar lines, numbered.
  music.bar_lines.filter((tick) => tick <= end).forEach((tick, index) => {
    ctx.strokeStyle = "#b8bccb";
    ctx.beginPath(); ctx.moveTo(x(tick) + 0.5, 0); ctx.lineTo(x(tick) + 0.5, height); ctx.stroke();
    if (index < music.bar_lines.length - 1) { ctx.fillStyle = "#889"; ctx.fillText(String(index + 1), x(tick) + 2, 10); }
  });
  music.tracks.forEach((track, index) => {
    ctx.fillStyle = TRACK_COLOURS[index % TRACK_COLOURS.length];
    for (const [start, duration, pitch] of track.notes) {
      ctx.fillRect(x(start), y(pitch) + 0.5, Math.max(2, x(start + duration) - x(start) - 1), Math.max(2, rowHeight - 1));
    }
  });
  if (cursorTick !== null) {
    ctx.strokeStyle = "#e00";
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(x(cursorTick), 0); ctx.lineTo(x(cursorTick), height); ctx.stroke();
    ctx.lineWidth = 1;
  }
  canvas.dataset.notes = String(notes.length);
}
