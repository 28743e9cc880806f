"""The models by name (keycomposer.model_catalog): the person's trained models live in their data folder beside
the library, are installed whole or not at all, never take a shipped name, and a broken one is listed with
its reason instead of breaking the listing (issue 31)."""

import json
import os

import pytest
from trained_model_support import SHIPPED, TOY, arcnn_trained_from_the_shipped_one, trained_card

from keycomposer import model_catalog
from keycomposer.models.runtime import ModelError, ModelFileError

@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_an_installed_model_lives_in_the_data_folder_and_is_listed_as_yours(data_dir):
    model = model_catalog.install(TOY, trained_card("my-chorales", TOY))
    folder = data_dir / "models" / "my-chorales"
    assert model.folder == folder and model.problem is None
    assert (folder / "my-chorales.tflite").read_bytes() == TOY
    assert json.loads((folder / "my-chorales.json").read_text())["technique"] == "arcnn"
    assert sorted(os.listdir(data_dir / "models")) == ["my-chorales"]  # no staging folder left behind
    (listed,) = model_catalog.user_models()
    assert (listed.name, listed.technique, listed.shipped, listed.trained) == \
        ("my-chorales", "arcnn", False, "2026-12-07T18:00:00Z")


def test_the_shipped_models_are_listed_by_technique_with_their_key_figures():
    shipped = {model.name: model for model in model_catalog.shipped_models()}
    assert {name: model.technique for name, model in shipped.items()} == \
        {"arcnn_bach": "arcnn", "gan_bach": "gan", "gan_quartet": "gan", "txl_melody": "txl"}
    assert all(model.shipped for model in shipped.values())
    if shipped["arcnn_bach"].card is not None:
        figures = dict(shipped["arcnn_bach"].key_figures())
        assert set(figures) == {"test NLL per masked cell", "logistic baseline"}
        assert figures["test NLL per masked cell"] < figures["logistic baseline"]
    for name in ("gan_bach", "gan_quartet", "txl_melody"):  # every shipped card shows its test figures
        assert len(shipped[name].key_figures()) == 4, name


def test_a_trained_card_puts_its_figures_where_the_shipped_card_of_its_technique_does(data_dir):
    figures = {"likelihood": {"rows": {"mine int8": {"nll_per_masked_cell": 1.25},
                                       "logistic on neighbours": {"nll_per_masked_cell": 1.5}}}}
    model = model_catalog.install(TOY, trained_card("mine", TOY, figures=figures))
    assert model.key_figures() == [("test NLL per masked cell", 1.25), ("logistic baseline", 1.5)]


@pytest.mark.parametrize("name, reason", [
    ("arcnn_bach", "shipped model"), ("gan", "shipped model or technique"), ("txl_melody_f32", "shipped"),
    ("My Model", "a-z, 0-9"), ("../escape", "a-z, 0-9"), ("", "a-z, 0-9"), ("x" * 65, "1 to 64"),
])
def test_a_name_that_is_taken_by_the_project_or_not_a_plain_name_is_refused(data_dir, name, reason):
    with pytest.raises(ModelError, match=reason):
        model_catalog.install(TOY, trained_card(name, TOY))
    assert not (data_dir / "models").exists() or os.listdir(data_dir / "models") == []


def test_a_second_model_of_the_same_name_is_refused_and_the_first_kept(data_dir):
    model_catalog.install(TOY, trained_card("mine", TOY))
    other = TOY + b"more"
    with pytest.raises(ModelError, match="you already have a model called 'mine'; delete it first"):
        model_catalog.install(other, trained_card("mine", other))
    assert (data_dir / "models" / "mine" / "mine.tflite").read_bytes() == TOY
    assert sorted(os.listdir(data_dir / "models")) == ["mine"]


@pytest.mark.parametrize("change, reason", [
    ({"technique": "wavenet"}, "names technique 'wavenet'; the techniques are arcnn, gan, txl"),
    ({"quantization": "float32"}, "an installed model is int8"),
    ({"data": "bach"}, "'data' must be a JSON object"),
    ({"file": "other.tflite"}, "names the file 'other.tflite'"),
    ({"sha256": "0" * 64}, "is not the one its card describes"),
    ({"bytes": len(TOY) + 5}, "is truncated"),
    ({"sha256": None}, "'sha256' must be 64 lowercase hex digits"),
    ({"bytes": "208"}, "'bytes' must be a positive whole number"),
])
def test_a_card_that_does_not_hold_is_refused_and_nothing_is_written(data_dir, change, reason):
    with pytest.raises(ModelFileError, match=reason):
        model_catalog.install(TOY, trained_card("mine", TOY, **change))
    assert model_catalog.user_models() == []


def test_a_card_missing_a_field_names_it(data_dir):
    card = trained_card("mine", TOY)
    del card["split"]
    with pytest.raises(ModelFileError, match="has no 'split' field"):
        model_catalog.install(TOY, card)


def test_delete_removes_only_the_persons_own_model(data_dir):
    model_catalog.install(TOY, trained_card("mine", TOY))
    model_catalog.install(TOY, trained_card("other", TOY))
    model_catalog.delete("mine")
    assert [model.name for model in model_catalog.user_models()] == ["other"]
    assert sorted(os.listdir(data_dir / "models")) == ["other"]
    with pytest.raises(ModelError, match="'arcnn_bach' is shipped with keycomposer"):
        model_catalog.delete("arcnn_bach")
    with pytest.raises(model_catalog.UnknownModel, match="no model called 'mine'.*yours are other"):
        model_catalog.delete("mine")
    for path_like in ("../data", ".", "", "other/../other"):
        with pytest.raises(model_catalog.UnknownModel):
            model_catalog.delete(path_like)
    assert sorted(os.listdir(data_dir / "models")) == ["other"] and (data_dir / "models" / "other").is_dir()


def write_user_files(data_dir, name, card_text, content=TOY):
    folder = data_dir / "models" / name
    folder.mkdir(parents=True)
    (folder / f"{name}.json").write_text(card_text)
    if content is not None:
        (folder / f"{name}.tflite").write_bytes(content)
    return folder


def test_broken_models_are_listed_with_their_reason_and_can_be_deleted(data_dir):
    good = trained_card("fine", TOY)
    write_user_files(data_dir, "fine", json.dumps(good))
    write_user_files(data_dir, "garbled", "{not json")
    write_user_files(data_dir, "halfcard", json.dumps({"file": "halfcard.tflite", "sha256": "0", "bytes": 3}))
    write_user_files(data_dir, "nofile", json.dumps(trained_card("nofile", TOY)), content=None)
    write_user_files(data_dir, "short", json.dumps(trained_card("short", TOY)), content=TOY[:50])
    (data_dir / "models" / "stray.json").write_text("{}")
    write_user_files(data_dir, "null", "null")
    write_user_files(data_dir, "listed", '["file", "sha256", "bytes"]')
    (write_user_files(data_dir, "latin", "{}") / "latin.json").write_bytes(b'{"name": "caf\xe9"}')
    (write_user_files(data_dir, "folder", "{}") / "folder.json").unlink()
    (data_dir / "models" / "folder" / "folder.json").mkdir()
    if hasattr(os, "mkfifo"):  # a pipe for a card must not keep `models` waiting for a writer
        (write_user_files(data_dir, "pipe", "{}") / "pipe.json").unlink()
        os.mkfifo(data_dir / "models" / "pipe" / "pipe.json")
    listed = {model.name: model.problem for model in model_catalog.user_models()}
    assert listed["fine"] is None
    assert "not valid JSON" in listed["garbled"]
    assert "has no 'name' field" in listed["halfcard"]
    assert "nofile.tflite is missing" in listed["nofile"]
    assert "has 50 bytes, its card says 208" in listed["short"]
    assert "a model is a folder NAME holding NAME.json and NAME.tflite" in listed["stray.json"]
    assert "null.json is not a JSON object" in listed["null"] and "is not a JSON object" in listed["listed"]
    assert "latin.json is not valid JSON" in listed["latin"]
    assert "folder.json is not a regular file" in listed["folder"]
    assert not hasattr(os, "mkfifo") or "pipe.json is not a regular file" in listed["pipe"]
    with pytest.raises(ModelFileError, match="your model 'garbled' cannot be used: .*not valid JSON"):
        model_catalog.choose("garbled")
    for name in ("garbled", "stray.json", "null", "listed", "latin", "folder", "pipe"):
        if name in listed:
            model_catalog.delete(name)
    assert sorted(model.name for model in model_catalog.user_models()) == ["fine", "halfcard", "nofile", "short"]


def test_what_a_killed_install_or_delete_left_is_never_listed_and_is_swept(data_dir):
    models = data_dir / "models"
    (models / ".installing-mine.999999999.0badc0de").mkdir(parents=True)  # no such process
    (models / ".deleting-old.1.00000000" / "sub").mkdir(parents=True)
    assert model_catalog.user_models() == []
    model_catalog.install(TOY, trained_card("mine", TOY))
    assert sorted(os.listdir(models)) == ["mine"]
    model_catalog.install(TOY, trained_card("other", TOY))
    (models / ".deleting-older.1.00000001").mkdir()
    model_catalog.delete("other")
    assert sorted(os.listdir(models)) == ["mine"]


def test_model_names_choose_a_technique_or_the_persons_model(data_dir):
    assert model_catalog.choose("arcnn").model is None
    assert model_catalog.choose("arcnn").technique.name == "arcnn"
    model_catalog.install(TOY, trained_card("mine", TOY, technique="txl"))
    choice = model_catalog.choose("mine")
    assert (choice.technique.name, choice.model.name, choice.name) == ("txl", "mine", "mine")
    with pytest.raises(model_catalog.UnknownModel, match="no model called 'nope': the techniques are arcnn, gan, txl; "
                                                         "yours are mine"):
        model_catalog.choose("nope")
    with pytest.raises(model_catalog.UnknownModel, match="'gan_quartet' is a shipped model of gan: --model gan runs it"):
        model_catalog.choose("gan_quartet")


def test_a_gan_of_the_persons_is_chosen_by_name_as_the_others_are(data_dir):
    model_catalog.install(TOY, trained_card("my-band", TOY, technique="gan"))
    choice = model_catalog.choose("my-band")
    assert (choice.technique.name, choice.model.name) == ("gan", "my-band")


needs_arcnn = pytest.mark.skipif(not (SHIPPED / "arcnn_bach.tflite").exists(), reason="needs the shipped AR-CNN")


@needs_arcnn
def test_the_technique_loads_the_persons_file_through_the_same_checks(data_dir):
    pytest.importorskip("ai_edge_litert")
    from keycomposer.models.arcnn import ArcnnBach

    model = model_catalog.install(*arcnn_trained_from_the_shipped_one("mine"))
    loaded = ArcnnBach.load(folder=model.folder, name=model.name)
    assert loaded.model.card["name"] == "mine" and loaded.steps == 128
    (model.folder / "mine.tflite").write_bytes(b"\x00" * 4 + b"TFL3" + b"\x00" * (model.card["bytes"] - 8))
    with pytest.raises(ModelFileError, match=f"{model.folder / 'mine.tflite'} is not the one its card describes"):
        ArcnnBach.load(folder=model.folder, name=model.name)


def test_an_arcnn_card_without_its_grid_is_a_model_error_not_a_crash():
    from keycomposer.models.arcnn import ArcnnBach

    class Loaded:
        card = {"name": "mine"}

    with pytest.raises(ModelFileError, match="model card of 'mine' lacks the grid"):
        ArcnnBach(Loaded())


def test_a_data_folder_that_cannot_hold_models_is_a_model_error(data_dir):
    data_dir.mkdir()
    (data_dir / "models").write_text("a file where the models folder would be")
    with pytest.raises(ModelError, match=r"cannot install 'mine' in .*models: "):
        model_catalog.install(TOY, trained_card("mine", TOY))
