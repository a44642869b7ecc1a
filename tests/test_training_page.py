"""The training dashboard through AppTest: dataset preview, a run's log as charts, and the model registry."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from components import nav
from engine import ModelError
from engine.training.registry import active_model, list_models, runs_dir, set_active

ENTRY = str(nav.PAGES_DIR.parent / "studio" / "app.py")


def test_dashboard_shows_a_run_and_its_model(studio, tmp_path):
    run = runs_dir(studio.settings.data_dir) / "fake-run"
    (run / "export").mkdir(parents=True, exist_ok=True)
    (run / "config.json").write_text(json.dumps({"preset": "smoke", "max_steps": 2}))
    log = [{"event": "stage", "stage": "train"}, {"event": "eval", "which": "base", "step": 0, "val_loss": 3.0},
           {"event": "step", "step": 1, "loss": 2.9, "tokens_per_s": 100.0, "elapsed_s": 1.0, "eta_s": 1.0},
           {"event": "step", "step": 2, "loss": 2.7, "tokens_per_s": 110.0, "elapsed_s": 2.0, "eta_s": 0.0},
           {"event": "eval", "which": "tuned", "step": 2, "val_loss": 2.6},
           {"event": "done", "val_loss_base": 3.0, "val_loss_tuned": 2.6, "tokens_per_s": 110.0, "seconds": 5.0}]
    (run / "log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
    gguf = run / "export" / "gitagpt-q8_0.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 1_100_000)
    (run / "summary.json").write_text(json.dumps({"files": {"Q8_0": str(gguf)}, "val_loss_base": 3.0,
                                                  "val_loss_tuned": 2.6, "steps": 2}))
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    at.switch_page(str(nav.TRAINING))
    at.query_params["run"] = "fake-run"
    at.run()
    assert not at.exception
    assert any("Done: validation loss 3.0 → 2.6" in s.value for s in at.success)
    assert len(at.get("arrow_vega_lite_chart")) >= 2 or len(at.get("vega_lite_chart")) >= 2
    assert any("fake-run · Q8_0" in m.value for m in at.markdown)
    # the shipped GitaGPT and the evaluation that made it the default
    assert any("Shipped GitaGPT" in m.value and "default for stories, chat" in m.value for m in at.markdown)
    models = list_models(studio.settings.data_dir)
    assert models[0]["path"] == str(gguf)
    set_active(studio.settings.data_dir, gguf)
    assert active_model(studio.settings.data_dir) == gguf
    set_active(studio.settings.data_dir, None)
    assert active_model(studio.settings.data_dir) is None
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"nope")
    with pytest.raises(ModelError):
        set_active(studio.settings.data_dir, bad)
