"""tf.distribute in the trainers (keycomposer.trainers.distribution): TF_CONFIG read and checked, who the chief
is, a batch the replicas cannot share refused; and, for real, a tiny AR-CNN trained by two worker processes on
this machine's loopback (MultiWorkerMirroredStrategy from TF_CONFIG) learning step for step as one process does
with the same global batch and seed. The two-worker test needs TensorFlow (the train extra)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from keycomposer.cli import main
from keycomposer.trainers import distribution

WORKER = Path(__file__).with_name("distributed_fit.py")


def tf_config(cluster, task_type="worker", index=0) -> dict:
    return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}})}


def test_no_tf_config_is_one_process_and_its_chief():
    assert distribution.cluster_config({}) is None and distribution.is_chief({})


def test_the_chief_is_the_chief_task_or_else_worker_zero():
    workers = {"worker": ["a:1", "b:2"]}
    assert distribution.is_chief(tf_config(workers, "worker", 0))
    assert not distribution.is_chief(tf_config(workers, "worker", 1))
    with_chief = {"chief": ["c:3"], **workers}
    assert distribution.is_chief(tf_config(with_chief, "chief", 0))
    assert not distribution.is_chief(tf_config(with_chief, "worker", 0))


@pytest.mark.parametrize("text, message", [
    ("{cluster", "TF_CONFIG is not JSON"),
    ('{"task": {"type": "worker", "index": 0}}', "TF_CONFIG names no cluster"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}', "is not one of its cluster's (worker 0..0)"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}', "is not one of its cluster's"),
])
def test_a_tf_config_that_cannot_be_used_says_why(text, message):
    with pytest.raises(distribution.DistributionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        distribution.cluster_config({"TF_CONFIG": text})


class Replicas:
    num_replicas_in_sync = 2


def test_a_batch_the_replicas_cannot_share_is_refused():
    distribution.check_batch(Replicas(), 8)
    with pytest.raises(distribution.DistributionError, match="--batch 7 cannot be shared by the 2 replicas"):
        distribution.check_batch(Replicas(), 7)


@pytest.mark.parametrize("technique, data", [("arcnn", "bach"), ("gan", "bach"), ("txl", "melodies")])
def test_train_refuses_a_broken_tf_config_in_one_line(tmp_path, monkeypatch, capsys, technique, data):
    pytest.importorskip("tensorflow", reason="the trainer imports TensorFlow (the train extra)")
    pytest.importorskip("music21", reason="the trainer imports music21 (the train extra)")
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TF_CONFIG", "{not json")
    assert main(["train", technique, "--data", data, "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("keycomposer train: TF_CONFIG is not JSON") and err.count("\n") == 1
    assert not (tmp_path / "data" / "training").exists()


def free_ports(count: int) -> list:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start(technique: str, run: Path, result: Path, environment: dict, *options) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"} | environment
    return subprocess.Popen([sys.executable, str(WORKER), technique, str(run), str(result), *options], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


# what the chief leaves in the run folder, the losses its evaluations record, and how much some of them change
# from the first evaluation to the last as it learns (a GAN's critic learns to tell: its Wasserstein estimate rises)
LOSS_FALLS = {"train_loss": -0.4, "valid_loss": -0.4}
RUN_FILES = {"arcnn": (["checkpoint.keras", "curves.png", "state.json"], ("train_loss", "valid_loss"), LOSS_FALLS),
             "txl": (["best.npz", "checkpoint.npz", "curves.png", "state.json"], ("train_loss", "valid_loss"),
                     LOSS_FALLS),
             "gan": (["checkpoint-0000008", "curves.png", "state.json"],
                     ("wasserstein", "gradient_penalty", "generator_loss", "cross_entropy", "valid_wasserstein",
                      "valid_cross_entropy"), {"wasserstein": 1.0, "valid_cross_entropy": -0.04})}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("technique", sorted(RUN_FILES))
def test_two_workers_on_the_loopback_and_two_devices_learn_as_one_process_does(tmp_path, technique):
    """One process on one device; two worker processes (MultiWorkerMirroredStrategy from TF_CONFIG); one process
    with two devices (MirroredStrategy, the CPU split in two as a machine's GPUs would be)."""
    pytest.importorskip("tensorflow", reason="training needs TensorFlow (the train extra)")
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    processes = {"one": start(technique, tmp_path / "one", tmp_path / "one.json", {}),
                 "mirrored": start(technique, tmp_path / "mirrored", tmp_path / "mirrored.json", {}, "two-cpus")}
    for index in (0, 1):
        processes[index] = start(technique, tmp_path / "two", tmp_path / f"worker{index}.json",
                                 tf_config(cluster, index=index))
    try:
        for name, process in processes.items():
            output, _ = process.communicate(timeout=240)  # a guard against a worker left waiting, not a timing
            assert process.returncode == 0, f"{name}:\n{output[-3000:]}"
    finally:
        for process in processes.values():
            process.kill()
    one = json.loads((tmp_path / "one.json").read_text())
    workers = [json.loads((tmp_path / f"worker{index}.json").read_text()) for index in (0, 1)]
    assert (one["replicas"], one["workers"]) == (1, 1)
    assert [(w["replicas"], w["workers"], w["chief"]) for w in workers] == [(2, 2, True), (2, 2, False)]
    assert [w["agreed"] for w in workers] == [0.5, 0.5]  # the mean of the workers' 0 and 1, the same on both
    mirrored = json.loads((tmp_path / "mirrored.json").read_text())
    assert (mirrored["replicas"], mirrored["workers"], mirrored["chief"]) == (2, 1, True)
    files, keys, learning = RUN_FILES[technique]
    for key in keys:
        alone = [h[key] for h in one["history"]]
        change = learning.get(key)
        assert len(alone) == 4 and (change is None or (alone[-1] - alone[0]) / change >= 1), key  # it learns
        for worker in workers + [mirrored]:
            together = [h[key] for h in worker["history"]]
            assert together == pytest.approx(alone, abs=2e-3), key  # and the two workers learn as one
    assert one["watched"] == workers[0]["watched"] == [2, 4, 6, 8] and workers[1]["watched"] == []  # the chief's
    assert sorted(os.listdir(tmp_path / "two")) == files  # the chief's
    assert json.loads((tmp_path / "two" / "state.json").read_text())["history"] == workers[0]["history"]
