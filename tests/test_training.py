"""GitaGPT training: configs, the GGUF name mapping, and a real smoke run with stop and resume (slow)."""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from engine import InvalidInput
from engine.training.config import PRESETS, TrainConfig, resolve
from engine.training.export import hf_name, permute
from engine.training.worker import STOP_FILE, read_log


def test_presets_and_bounds(tmp_path):
    for name in PRESETS:
        cfg = resolve(name, out_dir=tmp_path)
        assert cfg.preset == name and cfg.run_dir == tmp_path
    assert resolve("smoke").max_steps < resolve("standard").max_steps
    assert resolve("gpu").device == "cuda"
    with pytest.raises(InvalidInput, match="Unknown preset"):
        resolve("huge")
    with pytest.raises(ValueError):
        TrainConfig(lr=1.0)
    for name, field in TrainConfig.model_fields.items():
        assert field.description, name


def test_gguf_names_and_permutation():
    assert hf_name("blk.3.attn_q.weight") == "model.layers.3.self_attn.q_proj.weight"
    assert hf_name("token_embd.weight") == "model.embed_tokens.weight"
    w = np.arange(8 * 3).reshape(8, 3).astype(np.float32)
    p = permute(w, 2)
    assert p.shape == w.shape and not np.array_equal(p, w)
    assert sorted(p.ravel().tolist()) == sorted(w.ravel().tolist())  # a reordering of rows, nothing lost


@pytest.mark.slow
def test_smoke_training_stop_resume_export(tmp_path):
    exe = shutil.which("gita-tales", path=os.path.dirname(sys.executable))
    run_dir = tmp_path / "run"
    cfg = resolve("smoke", out_dir=run_dir, max_steps=8, gen_eval_questions=3)
    run_dir.mkdir()
    (run_dir / "config.json").write_text(cfg.model_dump_json())
    worker = subprocess.Popen([sys.executable, "-m", "engine.training.worker", str(run_dir / "config.json")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while time.time() < deadline and not any(e.get("event") == "step" for e in read_log(run_dir)):
        time.sleep(1)
    (run_dir / STOP_FILE).touch()
    assert worker.wait(timeout=300) == 0
    log = read_log(run_dir)
    stopped = [e for e in log if e.get("event") == "stopped"]
    assert stopped and (run_dir / "checkpoint" / "state.json").exists()
    assert json.loads((run_dir / "checkpoint" / "config.json").read_text())["max_steps"] == 8

    out = subprocess.run([exe, "train", "--preset", "smoke", "--out", str(run_dir), "--steps", "8", "--json"],
                         check=False, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("gguf", "val_loss_base", "val_loss_tuned", "tokens_per_s", "seconds"):
        assert key in summary
    assert any(e.get("event") == "resume" and e["step"] == stopped[0]["step"] for e in read_log(run_dir))
    assert summary["val_loss_tuned"] < summary["val_loss_base"]
    assert summary["tokens_per_s"] > 0
    from llama_cpp import Llama

    llm = Llama(model_path=summary["gguf"], n_ctx=256, verbose=False)
    text = llm.create_completion("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", max_tokens=8)["choices"][0]["text"]
    assert isinstance(text, str)

    # the run's adapter, shipped as make setup would find it, is merged into a GGUF that loads
    from engine.resources import check_gguf
    from engine.training import bundle

    shipped = bundle.folder(tmp_path / "assets")
    shipped.mkdir(parents=True)
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        shutil.copy(run_dir / "checkpoint" / name, shipped / name)
    built = bundle.build(tmp_path / "assets")
    assert built == bundle.built_path(tmp_path / "assets") and check_gguf(built)
    assert not (shipped / "build.part").exists()
    assert bundle.build(tmp_path / "assets") == built  # up to date: not built again


def test_shipped_gitagpt_is_chosen_per_role_from_its_evaluation(tmp_path, monkeypatch):
    """eval.json says where GitaGPT won; the studio uses it there once make setup has built it, else the base."""
    import json as _json

    from engine.training import bundle

    here = tmp_path / "models" / "gitagpt"
    here.mkdir(parents=True)
    assert bundle.default_for(tmp_path) == set() and bundle.built_path(tmp_path) is None
    (here / "eval.json").write_text(_json.dumps({"default_for": ["stories"]}))
    assert bundle.default_for(tmp_path) == {"stories"}
    (here / bundle.GGUF_NAME).write_bytes(b"GGUF" + b"\0" * 10)
    assert bundle.built_path(tmp_path) == here / bundle.GGUF_NAME
    assert bundle.build(tmp_path / "nothing") is None  # no adapter: nothing to build

    from engine import Studio
    from engine.settings import Settings

    monkeypatch.delenv("GITA_MODEL_PATH", raising=False)
    studio = Studio.__new__(Studio)  # model_path reads only the settings
    studio.settings = Settings(assets_dir=tmp_path, data_dir=tmp_path / "data")
    assert studio.model_path("stories") == here / bundle.GGUF_NAME
    assert studio.model_path("chat") is None  # the bundled SmolLM2


def test_saved_dataset_is_checked(tmp_path):
    from engine.training.worker import read_dataset

    with pytest.raises(InvalidInput, match="No train.jsonl"):
        read_dataset(tmp_path)
    (tmp_path / "train.jsonl").write_text('{"text": "not a chat example"}\n')
    (tmp_path / "val.jsonl").write_text('{"text": "not a chat example"}\n')
    with pytest.raises(InvalidInput, match="not a GitaGPT dataset"):
        read_dataset(tmp_path)


@pytest.mark.slow
def test_training_from_a_saved_dataset_can_stop_at_the_checkpoint(tmp_path):
    """The GPU path: train on a dataset saved elsewhere, stop at the checkpoint (no llama.cpp needed), keep the counts."""
    from engine.training.worker import run

    data = tmp_path / "data"
    data.mkdir()
    msg = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Why was Arjuna sad?"},
           {"role": "assistant", "content": "He did not want to hurt the people he loved."}]
    rows = "".join(json.dumps({"kind": k, "ref": "2.1", "messages": msg}) + "\n" for k in ("opener", "scene") * 4)
    (data / "train.jsonl").write_text(rows)
    (data / "val.jsonl").write_text(rows)
    cfg = resolve("smoke", out_dir=tmp_path / "run", dataset=data, export=False, max_steps=2, batch_size=2,
                  val_examples=4, kind_weights={"scene": 0})
    summary = run(cfg)
    assert summary["steps"] == 2 and summary["tokens_per_s"] > 0 and "gguf" not in summary
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["step"] == 2 and state["tokens"] > 0 and state["train_time"] > 0
    assert not (tmp_path / "run" / "export").exists()
    assert next(e for e in read_log(tmp_path / "run") if e.get("event") == "data")["train"] == 4  # scenes weighted 0


def test_report_keys_tell_models_with_the_same_file_name_apart():
    from engine.training.evaluate import model_labels

    assert model_labels(["/m/base.gguf", "/runs/a/export/gitagpt.gguf", "/runs/b/export/gitagpt.gguf"]) == [
        "base.gguf", "a/export/gitagpt.gguf", "b/export/gitagpt.gguf"]
