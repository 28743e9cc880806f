"""What the page is sent: compositions, library entries and techniques as plain JSON-ready data.

The page draws and sounds notes from these and nothing else; ticks stay ticks (with the resolution and
the tempo map beside them), so no timing rule is made up twice.
"""

from __future__ import annotations

from keycomposer.library.store import Entry
from keycomposer.music.composition import Composition
from keycomposer.music.instruments import program_name
from keycomposer.model_catalog import Model
from keycomposer.techniques import Parameter, Technique, installed


def composition_view(composition: Composition) -> dict:
    """A composition as the piano roll and the player need it: notes are [start, duration, pitch, velocity]."""
    return {
        "name": composition.name,
        "resolution": composition.resolution,
        "bpm": composition.bpm,
        "tempos": [[tempo.tick, tempo.microseconds_per_beat] for tempo in composition.tempos],
        "bar_lines": list(composition.bar_lines()),
        "end": composition.end,
        "seconds": composition.seconds(composition.end),
        "note_count": composition.note_count,
        "tracks": [
            {
                "name": track.name,
                "program": track.program,
                "instrument": "drums" if track.is_drum else program_name(track.program),
                "channel": track.channel,
                "drum": track.is_drum,
                "notes": [[note.start, note.duration, note.pitch, note.velocity] for note in track.notes],
            }
            for track in composition.tracks
        ],
    }


def entry_view(entry: Entry) -> dict:
    """A library entry without its file path (the page has no business with the data directory)."""
    view = entry.to_json()
    del view["path"]
    return view


def parameter_view(parameter: Parameter) -> dict:
    return {
        "name": parameter.name,
        "kind": parameter.kind.__name__,
        "default": parameter.default,
        "help": parameter.help,
        "low": parameter.low,
        "high": parameter.high,
        "choices": list(parameter.choices) if parameter.choices else None,
    }


def technique_view(technique: Technique) -> dict:
    return {
        "name": technique.name,
        "title": technique.title,
        "description": technique.description,
        "installed": installed(technique),
        "model_files": list(technique.model_files),
        "parameters": [parameter_view(parameter) for parameter in technique.parameters],
        "technique": technique.name,
        "yours": False,
    }


def trained_model_view(model: Model, technique: Technique) -> dict:
    """A model the person trained, offered as its technique is, under its own name."""
    figures = "; ".join(f"{label} {value}" for label, value in model.key_figures())
    return technique_view(technique) | {
        "name": model.name,
        "title": f"{model.name} (yours: {technique.title})",
        "description": f"your model, trained {model.trained}" + (f" ({figures})" if figures else "")
                       + f": {technique.description}",
        "installed": model.problem is None,
        "model_files": [],
        "yours": True,
    }
