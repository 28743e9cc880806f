"""`keycomposer edit`: each edit is a new library entry; the original stays as it was."""

from keycomposer.cli import main
from keycomposer.library.store import Library
from keycomposer.music.samples import sample_composition


def test_an_edit_saves_a_new_entry_and_keeps_the_original(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path))
    with Library() as library:
        original = library.save(sample_composition("twinkle"), "import", name="twinkle")
    assert main(["edit", str(original.id), "--transpose", "3", "--instrument", "40"]) == 0
    with Library() as library:
        kept, edited = library.entries()
        assert kept.id == original.id and edited.kind == "edit" and edited.source == str(original.id)
        before, after = library.load(kept.id), library.load(edited.id)
    assert [n.pitch + 3 for n in before.tracks[0].notes] == [n.pitch for n in after.tracks[0].notes]
    assert after.tracks[0].program == 40 and before.tracks[0].program != 40


def test_an_edit_that_cannot_be_done_saves_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path))
    assert main(["edit", "sample:twinkle", "--transpose", "100"]) == 1
    assert "outside the MIDI range" in capsys.readouterr().err
    with Library() as library:
        assert len(library) == 0
