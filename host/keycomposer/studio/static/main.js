// The studio page: wires the input, edits, technique, result, training and library panels to the API. It holds no
// music logic: the server edits, generates, measures and renders; the page draws and sounds notes.

import { api } from "./api.js";
import { drawRoll, TRACK_COLOURS } from "./roll.js";
import { noteOn, play } from "./synth.js";
import { ScreenKeyboard } from "./keyboard.js";
import { secondsAt, tickAt } from "./timing.js";

const $ = (id) => document.getElementById(id);
window.studioStats = window.studioStats || {};
const state = {
  info: null, techniques: [], input: null, output: null, // input/output: /api/music answers
  recording: null, devicePolling: null, players: {}, trainingTimer: null, trainingShown: null,
};

function say(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}

// Run an action; whatever fails is one line on the page.
async function attempt(action) {
  try { return await action(); } catch (error) { say(error.message || String(error)); return undefined; }
}

// -- input ------------------------------------------------------------------------------------------------

async function setInput(spec) {
  const answer = await api.music(spec);
  state.input = answer;
  $("input-name").textContent = answer.entry ? `#${answer.entry.id} ${answer.entry.name}` : answer.music.name;
  $("input-detail").textContent = `${answer.music.note_count} notes, ${answer.music.bar_lines.length - 1} bars, ` +
    `${Math.round(answer.music.bpm)} BPM`;
  showMusic("input", answer);
  showMetrics();
}

const EMPTY = { input: "choose an input melody", output: "generate to see the result" };

// Both rolls on one time scale: the right edge is as many seconds away in each, so input and output line up.
function rightEdge(which) {
  const shown = [state.input, state.output].filter(Boolean).map((answer) => answer.music);
  const seconds = Math.max(...shown.map((music) => secondsAt(music, Math.max(music.end, music.bar_lines.at(-1) || 0))));
  const answer = which === "input" ? state.input : state.output;
  return answer ? Math.ceil(tickAt(answer.music, seconds)) : null;
}

function redraw(which, cursor = null) {
  const answer = which === "input" ? state.input : state.output;
  drawRoll($(`roll-${which}`), answer ? answer.music : null, { cursor, empty: EMPTY[which], end: rightEdge(which) });
}

function showMusic(which, answer) {
  stopPlaying(which);
  redraw(which);
  redraw(which === "input" ? "output" : "input"); // the other roll's time scale may have changed
  const tracks = $(`tracks-${which}`);
  tracks.replaceChildren();
  if (!answer) return;
  answer.music.tracks.forEach((track, index) => {
    const span = document.createElement("span");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = TRACK_COLOURS[index % TRACK_COLOURS.length];
    span.append(swatch, `${track.name || "track " + (index + 1)} (${track.notes.length}) `);
    if (!track.drum && answer.entry) {
      const select = instrumentSelect(track.program);
      select.dataset.track = String(index);
      select.addEventListener("change", () => attempt(() => changeInstrument(which, index, select.value)));
      span.append(select);
    } else {
      span.append(track.instrument);
    }
    tracks.append(span);
  });
  if (which === "output" && answer.entry) {
    for (const [link, url, suffix] of [["download-midi", api.midiUrl, "mid"], ["download-wav", api.wavUrl, "wav"]]) {
      $(link).href = url(answer.entry.id);
      $(link).download = `${answer.entry.name}.${suffix}`;
      $(link).hidden = false;
    }
  }
}

function instrumentSelect(program) {
  const select = document.createElement("select");
  state.info.instruments.forEach((name, number) => select.add(new Option(`${number} ${name}`, String(number))));
  select.value = String(program);
  return select;
}

async function changeInstrument(which, track, program) {
  const answer = which === "output" ? state.output : state.input;
  const entry = await api.edit({ input: String(answer.entry.id), instrument: Number(program), track });
  const changed = await api.composition(entry.id);
  if (which === "output") { state.output = changed; showMusic("output", changed); } else { await setInput(String(entry.id)); }
  say(`saved as #${entry.id} (${entry.parameters.edits.join(", ")}); #${answer.entry.id} is kept`, "info");
  await refreshLibrary();
}

// -- edits ------------------------------------------------------------------------------------------------

async function applyEdits() {
  if (!state.input) throw new Error("choose an input first");
  const value = (id) => $(id).value.trim();
  const changes = { input: state.input.input };
  if (value("edit-quantize")) { changes.quantize = Number(value("edit-quantize")); changes.strength = Number(value("edit-strength")); }
  if (value("edit-transpose") && Number(value("edit-transpose")) !== 0) changes.transpose = Number(value("edit-transpose"));
  if (value("edit-bpm")) changes.bpm = Number(value("edit-bpm"));
  if (value("edit-instrument")) changes.instrument = Number(value("edit-instrument"));
  const entry = await api.edit(changes);
  await setInput(String(entry.id));
  say(`saved as #${entry.id}: ${entry.parameters.edits.join(", ")} (the original is kept)`, "info");
  await refreshLibrary();
}

// -- technique --------------------------------------------------------------------------------------------

function showTechnique() {
  const technique = state.techniques.find((t) => t.name === $("technique-select").value);
  $("technique-description").textContent = technique.description +
    (technique.installed ? "" : ` — not installed (${technique.model_files.map((f) => f + ".tflite").join(", ")} missing)`);
  const box = $("parameters");
  box.replaceChildren();
  for (const parameter of technique.parameters) {
    const label = document.createElement("label");
    label.textContent = parameter.name;
    label.htmlFor = `parameter-${parameter.name}`;
    let field;
    if (parameter.choices) {
      field = document.createElement("select");
      for (const choice of parameter.choices) field.add(new Option(choice, choice));
    } else {
      field = document.createElement("input");
      field.type = "number";
      field.min = parameter.low;
      field.max = parameter.high;
      field.step = parameter.kind === "int" ? "1" : "any";
    }
    field.id = `parameter-${parameter.name}`;
    field.dataset.parameter = parameter.name;
    field.value = String(parameter.default);
    const help = document.createElement("span");
    help.className = "hint";
    const range = parameter.choices ? parameter.choices.join(" | ") : `${parameter.low}..${parameter.high}`;
    help.textContent = `${parameter.help} (default ${parameter.default}; ${range})`;
    box.append(label, field, help);
  }
}

async function generate() {
  if (!state.input) throw new Error("choose an input first");
  const technique = $("technique-select").value;
  const parameters = {};
  for (const field of $("parameters").querySelectorAll("[data-parameter]")) parameters[field.dataset.parameter] = field.value;
  const seed = $("seed").value.trim();
  const button = $("generate");
  button.disabled = true;
  $("progress").hidden = false;
  $("progress").removeAttribute("value");
  $("progress-label").textContent = "starting";
  try {
    let job = await api.generate({ technique, input: state.input.input, parameters, seed: seed === "" ? null : Number(seed) });
    while (job.state === "running") {
      if (job.total) { $("progress").max = job.total; $("progress").value = job.done; }
      $("progress-label").textContent = job.step ? `${job.step}: ${job.done}${job.total ? " / " + job.total : ""}` : "generating";
      job = await api.job(job.id, 0.25);
    }
    if (job.state === "failed") throw new Error(job.error);
    const result = job.result; // the saved entry and its music came with the answer
    state.output = result;
    showMusic("output", result);
    showMetrics();
    say(`saved generation #${job.result_id} (${job.model_seconds.toFixed(2)} s of model time)`, "info");
    window.studioStats.lastJob = job;
    await refreshLibrary();
  } finally {
    button.disabled = false;
    $("progress").hidden = true;
    $("progress-label").textContent = "";
  }
}

// -- result -----------------------------------------------------------------------------------------------

function showMetrics() {
  const body = $("metrics").querySelector("tbody");
  body.replaceChildren();
  const overall = (answer) => (answer && answer.metrics && answer.metrics.overall) || {};
  const input = overall(state.input), output = overall(state.output);
  const format = (value) => value === undefined ? "" : value === null ? "n/a" : typeof value === "number" && !Number.isInteger(value) ? value.toFixed(3) : String(value);
  for (const [key, label] of Object.entries(state.info.metric_labels)) {
    if (!(key in input) && !(key in output)) continue;
    const row = body.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = format(input[key]);
    row.insertCell().textContent = format(output[key]);
  }
}

function stopPlaying(which) {
  const player = state.players[which];
  if (player) { player(); delete state.players[which]; }
  $(`play-${which}`).textContent = "▶ Play";
}

function togglePlay(which) {
  const answer = which === "input" ? state.input : state.output;
  if (state.players[which]) { stopPlaying(which); redraw(which); return; }
  if (!answer || !answer.music.note_count) throw new Error(`no ${which} to play yet`);
  $(`play-${which}`).textContent = "■ Stop";
  state.players[which] = play(answer.music, (seconds) => {
    const tick = tickAt(answer.music, seconds);
    redraw(which, tick);
    window.studioStats[`cursor_${which}`] = tick;
  }, () => { delete state.players[which]; $(`play-${which}`).textContent = "▶ Play"; redraw(which); });
}

// -- training runs ----------------------------------------------------------------------------------------

const TRAINING_REFRESH_MS = 5000; // while a run is training; the trainers write a new picture at each evaluation

async function refreshTrainings() {
  const runs = await api.trainings();
  showTrainings(runs);
  clearTimeout(state.trainingTimer);
  if (runs.some((run) => run.training)) state.trainingTimer = setTimeout(() => attempt(refreshTrainings), TRAINING_REFRESH_MS);
}

function runState(run) {
  if (run.problem) return run.problem;
  if (run.installed) return "installed: choose it under Technique";
  return run.training ? "training" : `stopped ${Math.round(run.seconds_since_update / 60)} min ago (--resume goes on)`;
}

function showTrainings(runs) {
  const body = $("trainings").querySelector("tbody");
  body.replaceChildren();
  for (const run of runs) {
    const row = body.insertRow();
    row.dataset.name = run.name;
    row.insertCell().textContent = run.name;
    row.insertCell().textContent = run.technique || "";
    row.insertCell().textContent = run.step ?? "";
    row.insertCell().textContent = run.minutes ?? "";
    row.insertCell().textContent = Object.entries(run.last || {}).filter(([key]) => key !== "step")
      .map(([key, value]) => `${key} ${Number.isInteger(value) ? value : value.toFixed(3)}`).join(", ");
    row.insertCell().textContent = runState(run);
    const actions = row.insertCell();
    if (run.picture) {
      const button = document.createElement("button");
      button.textContent = "show";
      button.className = "training-show";
      button.addEventListener("click", () => { state.trainingShown = run.name; showTrainingPicture(run); });
      actions.append(button);
    }
    if (run.name === state.trainingShown && run.picture) showTrainingPicture(run);
  }
}

function showTrainingPicture(run) {
  $("training-figure").hidden = false;
  $("training-caption").textContent = `${run.name}: step ${run.step}, ${runState(run)}`;
  $("training-picture").src = api.trainingPictureUrl(run.name);
}

// -- library ----------------------------------------------------------------------------------------------

async function refreshLibrary() {
  showLibrary(await api.compositions());
}

function showLibrary(entries) {
  const body = $("library").querySelector("tbody");
  body.replaceChildren();
  for (const entry of entries) {
    const row = body.insertRow();
    row.dataset.id = String(entry.id);
    row.insertCell().textContent = String(entry.id);
    row.insertCell().textContent = entry.name;
    row.insertCell().textContent = entry.created.replace("T", " ").replace("+00:00", " UTC");
    row.insertCell().textContent = entry.kind;
    row.insertCell().textContent = entry.model || "";
    const made = Object.entries(entry.parameters).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(", ") : v}`).join("; ");
    row.insertCell().textContent = [entry.source && `from ${entry.source}`, made].filter(Boolean).join(" — ");
    const actions = row.insertCell();
    for (const [label, action] of [["open", openEntry], ["rename", renameEntry], ["delete", deleteEntry]]) {
      const button = document.createElement("button");
      button.textContent = label;
      button.className = `library-${label}`;
      button.addEventListener("click", () => attempt(() => action(entry)));
      actions.append(button);
    }
  }
}

async function openEntry(entry) {
  if (entry.kind === "generation") {
    const answer = await api.composition(entry.id);
    state.output = answer;
    showMusic("output", answer);
    if (entry.source && (/^\d+$/.test(entry.source) || entry.source.startsWith("sample:"))) {
      await attempt(() => setInput(entry.source));
    }
    showMetrics();
  } else {
    await setInput(String(entry.id));
  }
  say(`opened #${entry.id} ${entry.name}`, "info");
}

async function renameEntry(entry) {
  const name = window.prompt(`New name for #${entry.id}`, entry.name);
  if (name === null) return;
  await api.rename(entry.id, name);
  await refreshLibrary();
}

async function deleteEntry(entry) {
  if (!window.confirm(`Delete #${entry.id} "${entry.name}" from the library? This cannot be undone.`)) return;
  await api.remove(entry.id);
  say(`deleted #${entry.id}`, "info");
  await refreshLibrary();
}

// -- keyboards --------------------------------------------------------------------------------------------

const sounding = new Map(); // pitch -> end()

function keyEvent(key, pitch, down, event) {
  if (down) {
    sounding.set(pitch, noteOn(pitch, 100, 0));
    if (event) window.studioStats.lastKeyLatencyMs = performance.now() - event.timeStamp;
  } else if (sounding.has(pitch)) {
    sounding.get(pitch)();
    sounding.delete(pitch);
  }
  if (state.recording) state.recording.push([performance.now() - state.recordingStart, pitch, down ? 100 : 0]);
  if (state.devicePolling && state.info.keyboard === "emulated") {
    api.keyboardKey({ key, down }).catch((error) => say(error.message));
  }
  window.studioStats.keysPlayed = (window.studioStats.keysPlayed || 0) + (down ? 1 : 0);
}

function octaveEvent(button) {
  if (state.devicePolling && state.info.keyboard === "emulated") api.keyboardKey({ button }).catch((error) => say(error.message));
}

function startScreenTake() {
  state.recording = [];
  state.recordingStart = performance.now();
  $("keys-record").disabled = true;
  $("keys-stop").disabled = false;
  $("keys-status").textContent = "recording: play";
}

async function stopScreenTake() {
  const events = state.recording || [];
  state.recording = null;
  $("keys-record").disabled = false;
  $("keys-stop").disabled = true;
  $("keys-status").textContent = "";
  const entry = await api.take(events, 120);
  await setInput(String(entry.id));
  say(`saved recording #${entry.id} (${entry.metrics.overall.notes} notes)`, "info");
  await refreshLibrary();
}

async function startDeviceTake() {
  const take = await api.keyboardStart(120);
  $("device-record").disabled = true;
  $("device-stop").disabled = false;
  $("device-status").textContent = `recording from ${take.source}`;
  $("input-name").textContent = "the keyboard's take (recording)";
  $("input-detail").textContent = "";
  state.devicePolling = setInterval(() => attempt(async () => {
    const now = await api.keyboardTake();
    drawRoll($("roll-input"), now.music);
    $("device-status").textContent = `${now.state}: ${now.music.note_count} notes` + (now.ended_by ? ` (ended by ${now.ended_by})` : "");
    if (now.state === "ended") await stopDeviceTake();
  }), 100);
}

async function stopDeviceTake() {
  clearInterval(state.devicePolling);
  state.devicePolling = null;
  $("device-record").disabled = false;
  $("device-stop").disabled = true;
  const take = await api.keyboardStop();
  await setInput(String(take.saved.id));
  say(`saved recording #${take.saved.id} (${take.music.note_count} notes; ended by ${take.ended_by})`, "info");
  await refreshLibrary();
}

// -- start ------------------------------------------------------------------------------------------------

function bind(id, event, action) { $(id).addEventListener(event, () => attempt(action)); }

async function start() {
  // Everything the page needs at first, asked for at once.
  const [info, samples, techniques, entries] = await Promise.all([api.info(), api.samples(), api.techniques(),
    api.compositions()]);
  state.info = info;
  state.techniques = techniques;
  for (const sample of samples) $("sample-select").add(new Option(sample.title, sample.input));
  for (const technique of techniques) $("technique-select").add(new Option(technique.title, technique.name));
  info.instruments.forEach((name, number) => $("edit-instrument").add(new Option(`${number} ${name}`, String(number))));
  $("device-kind").textContent = {
    emulated: "The emulated keyboard (the firmware under MicroPython): the on-screen keys play it while it records; what it sends appears as it is played.",
    linked: "The linked keyboard: play it; what it sends appears as it is played. The keyboard's record button also starts and ends a take.",
  }[info.keyboard] ?? "This studio has no keyboard (`keycomposer studio` opens the linked one, `--emulator` the emulated one).";
  $("device-record").disabled = !info.keyboard;
  new ScreenKeyboard($("keys"), $("octave-label"), info.keys, keyEvent, octaveEvent);
  $("octave-down").addEventListener("click", () => window.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" })));
  $("octave-up").addEventListener("click", () => window.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp" })));
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll(".tabs button")) {
        other.classList.toggle("active", other === tab);
        $(other.dataset.tab).hidden = other !== tab;
      }
    });
  }
  bind("use-sample", "click", () => setInput($("sample-select").value));
  bind("keys-record", "click", startScreenTake);
  bind("keys-stop", "click", stopScreenTake);
  bind("device-record", "click", startDeviceTake);
  bind("device-stop", "click", stopDeviceTake);
  bind("upload-file", "change", async () => {
    const file = $("upload-file").files[0];
    if (!file) return;
    if (file.size > info.max_upload_bytes) throw new Error(`${file.name} is ${file.size} bytes, more than the 8 MiB a MIDI file may have`);
    const entry = await api.upload(file);
    await setInput(String(entry.id));
    say(`imported ${file.name} as #${entry.id}`, "info");
    await refreshLibrary();
  });
  $("edit-strength").addEventListener("input", () => { $("edit-strength-value").textContent = $("edit-strength").value; });
  bind("edit-apply", "click", applyEdits);
  $("technique-select").addEventListener("change", showTechnique);
  showTechnique();
  bind("generate", "click", generate);
  bind("play-input", "click", () => togglePlay("input"));
  bind("play-output", "click", () => togglePlay("output"));
  redraw("input");
  redraw("output");
  showLibrary(entries);
  await attempt(refreshTrainings);
  await setInput($("sample-select").value);
  document.body.dataset.ready = "true";
  window.studioStats.readyAt = performance.now();
}

attempt(start);
