"""tools/bench/gan_bench.py --write-card: each view of the test pieces keeps its own place in the model card."""

import json
from types import SimpleNamespace

from tools.bench import gan_bench


def test_whole_files_figures_are_written_beside_the_first_bars_and_keep_them(tmp_path, capsys):
    card = tmp_path / "gan_quartet.json"
    card.write_text(json.dumps({"name": "gan_quartet", "metrics": {"bars_per_file": 16}}))
    quartet = SimpleNamespace(style="quartet")
    gan_bench.write_card_metrics(quartet, {"bars_per_file": 0}, tmp_path, gan_bench.card_key(0))
    written = json.loads(card.read_text())
    assert written["metrics"] == {"bars_per_file": 16}
    assert written["metrics_whole_files"] == {"bars_per_file": 0}
    gan_bench.write_card_metrics(quartet, {"bars_per_file": 8}, tmp_path, gan_bench.card_key(8))
    assert json.loads(card.read_text())["metrics"] == {"bars_per_file": 8}
    assert "(metrics)" in capsys.readouterr().out.splitlines()[-1]
