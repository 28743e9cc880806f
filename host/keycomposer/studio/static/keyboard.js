// The on-screen keyboard: the hardware's 32 keys (C3..G5 at the default octave) with its octave buttons,
// played by mouse, touch, or the computer keys the terminal keyboard uses (the server sends that key map,
// keycomposer.console_keyboard.keymap, so both keyboards are one).

import { pitchName } from "./roll.js";

const BLACK = [1, 3, 6, 8, 10];
const OCTAVE_SHIFTS = [-3, 3]; // as far as the keyboard's octave buttons go

export class ScreenKeyboard {
  // keys: /api/info's "keys"; onKey(key, pitch, down, event) is called for every press and release.
  constructor(element, label, keys, onKey, onOctave) {
    this.element = element;
    this.label = label;
    this.keys = keys;
    this.onKey = onKey;
    this.onOctave = onOctave;
    this.shift = 0;
    this.down = new Map(); // key -> the pitch it sounded (an octave change never strands a note)
    this.build();
    this.listen();
  }

  pitchOf(key) { return this.keys.lowest + 12 * this.shift + key; }

  build() {
    const whites = [];
    for (let key = 0; key < this.keys.count; key++) if (!BLACK.includes(key % 12)) whites.push(key);
    const width = 100 / whites.length;
    this.elements = [];
    for (let key = 0; key < this.keys.count; key++) {
      const div = document.createElement("div");
      const black = BLACK.includes(key % 12);
      div.className = `key ${black ? "black" : "white"}`;
      div.dataset.key = String(key);
      const whiteIndex = whites.filter((white) => white < key).length;
      div.style.left = `${black ? whiteIndex * width - width * 0.3 : whiteIndex * width}%`;
      div.style.width = `${black ? width * 0.6 : width}%`;
      this.element.appendChild(div);
      this.elements.push(div);
    }
    this.relabel();
  }

  relabel() {
    const computerKey = {};
    for (const [character, key] of Object.entries(this.keys.note_keys)) {
      if (computerKey[key] === undefined) computerKey[key] = character;
    }
    this.elements.forEach((div, key) => {
      const pitch = this.pitchOf(key);
      div.title = pitchName(pitch);
      div.textContent = `${computerKey[key] ?? ""}${pitch % 12 === 0 ? "\n" + pitchName(pitch) : ""}`;
    });
    this.label.textContent = `${pitchName(this.pitchOf(0))}–${pitchName(this.pitchOf(this.keys.count - 1))}`;
  }

  octave(step) {
    const shift = Math.max(OCTAVE_SHIFTS[0], Math.min(OCTAVE_SHIFTS[1], this.shift + step));
    if (shift !== this.shift) { this.shift = shift; this.relabel(); }
    if (this.onOctave) this.onOctave(step > 0 ? "octave_up" : "octave_down");
  }

  press(key, event) {
    if (this.down.has(key)) return;
    const pitch = this.pitchOf(key);
    this.down.set(key, pitch);
    this.elements[key].classList.add("down");
    this.onKey(key, pitch, true, event);
  }

  release(key, event) {
    if (!this.down.has(key)) return;
    const pitch = this.down.get(key);
    this.down.delete(key);
    this.elements[key].classList.remove("down");
    this.onKey(key, pitch, false, event);
  }

  listen() {
    const keyOf = (event) => {
      const target = document.elementFromPoint(event.clientX, event.clientY);
      return target && target.dataset && target.dataset.key !== undefined ? Number(target.dataset.key) : null;
    };
    const pointers = new Map(); // pointer id -> key it holds (touch: a finger each)
    this.element.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      const key = keyOf(event);
      if (key === null) return;
      pointers.set(event.pointerId, key);
      this.press(key, event);
    });
    this.element.addEventListener("pointermove", (event) => {
      if (!pointers.has(event.pointerId)) return;
      const key = keyOf(event);
      if (key === pointers.get(event.pointerId)) return;
      this.release(pointers.get(event.pointerId), event);
      pointers.set(event.pointerId, key);
      if (key !== null) this.press(key, event);
    });
    const lift = (event) => {
      if (!pointers.has(event.pointerId)) return;
      const key = pointers.get(event.pointerId);
      pointers.delete(event.pointerId);
      if (key !== null) this.release(key, event);
    };
    for (const type of ["pointerup", "pointercancel", "pointerleave"]) this.element.addEventListener(type, lift);

    const typing = (event) => ["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName);
    const held = new Map(); // computer key -> keyboard key, so Shift or an octave change cannot strand it
    window.addEventListener("keydown", (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      const name = event.key === "ArrowUp" ? "up" : event.key === "ArrowDown" ? "down" : event.key;
      const button = this.keys.button_keys[name];
      if (button === "octave_up" || button === "octave_down") {
        event.preventDefault();
        if (!event.repeat) this.octave(button === "octave_up" ? 1 : -1);
        return;
      }
      const key = this.keys.note_keys[name];
      if (key === undefined || event.repeat) return;
      event.preventDefault();
      held.set(event.code, key);
      this.press(key, event);
    });
    window.addEventListener("keyup", (event) => {
      if (!held.has(event.code)) return;
      const key = held.get(event.code);
      held.delete(event.code);
      this.release(key, event);
    });
    window.addEventListener("blur", () => { for (const key of [...this.down.keys()]) this.release(key, null); });
  }
}
