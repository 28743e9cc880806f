// Sounding notes in the browser: a small WebAudio synthesizer, one timbre per General MIDI family (so a
// change of instrument is heard), no samples to load. Notes start on the call, so a key sounds in the
// frame it is pressed. FluidSynth's WAV download is the faithful rendering.

import { secondsAt } from "./timing.js";

// GM family (program / 8) -> [oscillator, attack s, decay s, sustain level, release s]
const FAMILIES = [
  ["triangle", 0.003, 0.9, 0.15, 0.25], // piano
  ["sine", 0.002, 0.5, 0.0, 0.3],       // chromatic percussion
  ["square", 0.01, 0.05, 0.7, 0.08],    // organ
  ["triangle", 0.002, 0.6, 0.1, 0.2],   // guitar
  ["sine", 0.005, 0.4, 0.5, 0.1],       // bass
  ["sawtooth", 0.08, 0.3, 0.7, 0.3],    // strings
  ["sawtooth", 0.12, 0.3, 0.8, 0.4],    // ensemble
  ["sawtooth", 0.03, 0.2, 0.7, 0.15],   // brass
  ["square", 0.03, 0.2, 0.6, 0.12],     // reed
  ["sine", 0.04, 0.2, 0.8, 0.15],       // pipe
  ["sawtooth", 0.005, 0.2, 0.6, 0.1],   // synth lead
  ["sawtooth", 0.3, 0.5, 0.7, 0.6],     // synth pad
  ["square", 0.05, 0.5, 0.4, 0.4],      // synth effects
  ["triangle", 0.005, 0.4, 0.2, 0.2],   // ethnic
  ["sine", 0.001, 0.2, 0.0, 0.1],       // percussive
  ["sine", 0.05, 0.3, 0.5, 0.3],        // sound effects
];

window.studioStats = window.studioStats || {};
let context = null;
let master = null;

export function audio() {
  if (context === null) {
    context = new (window.AudioContext || window.webkitAudioContext)({ latencyHint: "interactive" });
    master = context.createGain();
    master.gain.value = 0.25;
    master.connect(context.destination);
  }
  if (context.state === "suspended") context.resume();
  return context;
}

const frequency = (pitch) => 440 * Math.pow(2, (pitch - 69) / 12);

// Start a note at audio time `when` (default: now); returns a function that ends it at a given time.
export function noteOn(pitch, velocity = 100, program = 0, when = null, drum = false) {
  const ctx = audio();
  const start = when ?? ctx.currentTime;
  const [wave, attack, decay, sustain, release] = drum ? ["square", 0.001, 0.08, 0, 0.05] : FAMILIES[program >> 3];
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = wave;
  oscillator.frequency.value = drum ? 60 + (pitch % 12) * 20 : frequency(pitch);
  const peak = (velocity / 127) * 0.6;
  gain.gain.setValueAtTime(0, start);
  gain.gain.linearRampToValueAtTime(peak, start + attack);
  gain.gain.setTargetAtTime(peak * sustain, start + attack, decay / 3);
  oscillator.connect(gain).connect(master);
  oscillator.start(start);
  window.studioStats.lastNoteStartedAt = performance.now();
  return (at = null) => {
    const end = Math.max(at ?? ctx.currentTime, start + attack);
    gain.gain.cancelScheduledValues(end);
    gain.gain.setTargetAtTime(0, end, release / 3);
    oscillator.stop(end + release * 2);
  };
}

// Play a whole composition; `onTick(tick)` follows the cursor each frame; returns stop().
export function play(music, onTick, onEnd) {
  const ctx = audio();
  const begin = ctx.currentTime + 0.08;
  for (const track of music.tracks) {
    for (const [start, duration, pitch, velocity] of track.notes) {
      const end = noteOn(pitch, velocity, track.program, begin + secondsAt(music, start), track.drum);
      end(begin + secondsAt(music, start + duration));
    }
  }
  let frame = 0;
  let stopped = false;
  const total = music.seconds;
  const step = () => {
    if (stopped) return;
    const elapsed = ctx.currentTime - begin;
    if (elapsed > total + 0.3) { stop(); if (onEnd) onEnd(); return; }
    onTick(Math.max(0, elapsed));
    frame = requestAnimationFrame(step);
  };
  frame = requestAnimationFrame(step);
  function stop() {
    if (stopped) return;
    stopped = true;
    cancelAnimationFrame(frame);
    // Every note of this playback, sounding or scheduled, hangs off the current master: cut it loose.
    master.disconnect();
    master = ctx.createGain();
    master.gain.value = 0.25;
    master.connect(ctx.destination);
  }
  return stop;
}
