"""Generations the page asked for, each run on a thread of its own while the page follows its progress.

A job runs ``keycomposer.generation.generate``, the one path the command line's ``generate`` takes, so the
result is saved to the library with its input, model and parameters exactly as ``generate`` saves it. The
page learns of progress through the same progress bars the terminal shows (``progress.reporting``).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from keycomposer.generation import generate
from keycomposer.library.inputs import InputError
from keycomposer.library.store import Library, LibraryError
from keycomposer.models.runtime import ModelError
from keycomposer.music.composition import Composition
from keycomposer.music.midi_io import MidiFileError
from keycomposer.progress import reporting
from keycomposer.studio.views import composition_view, entry_view
from keycomposer.techniques import Technique

# What a generation may fail with and the person can act on: said on the page in one line.
EXPECTED_FAILURES = (InputError, MidiFileError, LibraryError, ModelError, ValueError)
_KEPT_JOBS = 50  # finished jobs remembered for the page; older ones are forgotten


@dataclass
class Job:
    id: int
    technique: str
    source: str
    state: str = "running"  # running, done, failed
    step: str = ""
    done: int = 0
    total: int | None = None
    result_id: int | None = None
    error: str | None = None
    model_seconds: float | None = None  # the technique's own time (generation.generate measures it)
    save_seconds: float | None = None  # saving it as generate does: metrics, the durable write
    result: dict | None = None  # the saved entry and its music, so the page needs no second request
    started: float = field(default_factory=time.perf_counter)
    finished: threading.Event = field(default_factory=threading.Event)

    def view(self) -> dict:
        return {"id": self.id, "technique": self.technique, "source": self.source, "state": self.state,
                "step": self.step, "done": self.done, "total": self.total, "result_id": self.result_id,
                "error": self.error, "model_seconds": self.model_seconds, "save_seconds": self.save_seconds,
                "result": self.result}


class Jobs:
    """The generations of one studio; ``open_library`` gives each job's thread a library of its own."""

    def __init__(self, open_library: Callable[[], Library]):
        self._open_library = open_library
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, technique: Technique, composition: Composition, source: str, parameters: dict,
              seed: int | None, model=None) -> Job:
        """``model``: one the person trained (a ``keycomposer.model_catalog.Model``), run by ``technique``."""
        with self._lock:
            job = Job(next(self._ids), technique.name if model is None else model.name, source)
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[:-_KEPT_JOBS]:
                if self._jobs[old].finished.is_set():
                    del self._jobs[old]
        thread = threading.Thread(target=self._run,
                                  args=(job, technique, composition, source, parameters, seed, model),
                                  name=f"studio-generation-{job.id}", daemon=True)
        thread.start()
        return job

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: Job, technique: Technique, composition: Composition, source: str, parameters: dict,
             seed: int | None, model=None) -> None:
        def follow(step: str, done: int, total: int | None) -> None:
            job.step, job.done, job.total = step, done, total

        try:
            with reporting(follow), self._open_library() as library:
                started = time.perf_counter()
                generated = generate(technique, composition, library, source, parameters, seed, model)
                job.save_seconds = time.perf_counter() - started - generated.seconds
            job.result = {"input": str(generated.entry.id), "entry": entry_view(generated.entry),
                          "music": composition_view(generated.composition), "metrics": generated.entry.metrics}
            job.result_id, job.model_seconds, job.state = generated.entry.id, generated.seconds, "done"
        except EXPECTED_FAILURES as error:
            job.error, job.state = f"{technique.title}: {error}", "failed"
        except Exception as error:  # anything else is a bug of ours: the page still gets one line, the log the rest
            import traceback

            traceback.print_exc()
            job.error, job.state = f"{technique.title} failed unexpectedly: {type(error).__name__}: {error}", "failed"
        finally:
            job.finished.set()
