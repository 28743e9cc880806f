// The studio's API, as the page calls it. Every failure becomes an Error whose message is the server's
// one line ({"error": ...}), so the page can show it as it is.

export class ApiError extends Error {}

async function call(method, path, body, headers = {}) {
  let response;
  try {
    response = await fetch(path, { method, body, headers, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(`the studio cannot be reached (is \`keycomposer studio\` still running?): ${error.message}`);
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("application/json") ? await response.json() : await response.text();
  if (!response.ok) {
    throw new ApiError(data && data.error ? data.error : `${method} ${path} failed: ${response.status}`);
  }
  return data;
}

const json = (method, path, value) =>
  call(method, path, JSON.stringify(value ?? {}), { "content-type": "application/json" });

export const api = {
  info: () => call("GET", "/api/info"),
  samples: () => call("GET", "/api/samples"),
  techniques: () => call("GET", "/api/techniques"),
  music: (input) => call("GET", `/api/music?input=${encodeURIComponent(input)}`),
  compositions: () => call("GET", "/api/compositions"),
  composition: (id) => call("GET", `/api/compositions/${id}`),
  rename: (id, name) => json("PATCH", `/api/compositions/${id}`, { name }),
  remove: (id) => call("DELETE", `/api/compositions/${id}`),
  upload: (file) => call("POST", `/api/compositions?filename=${encodeURIComponent(file.name)}`, file,
    { "content-type": "application/octet-stream" }),
  edit: (changes) => json("POST", "/api/edits", changes),
  take: (events, bpm) => json("POST", "/api/takes", { events, bpm }),
  generate: (request) => json("POST", "/api/generations", request),
  job: (id, wait) => call("GET", `/api/generations/${id}?wait=${wait}`),
  keyboardStart: (bpm) => json("POST", "/api/keyboard/start", { bpm }),
  keyboardKey: (event) => json("POST", "/api/keyboard/keys", event),
  keyboardTake: () => call("GET", "/api/keyboard/take"),
  keyboardStop: () => json("POST", "/api/keyboard/stop", {}),
  trainings: () => call("GET", "/api/trainings"),
  trainingPictureUrl: (name) => `/api/trainings/${encodeURIComponent(name)}/picture?at=${Date.now()}`,
  midiUrl: (id) => `/api/compositions/${id}/midi`,
  wavUrl: (id) => `/api/compositions/${id}/wav`,
};
