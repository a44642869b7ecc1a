"""Training dashboard: build GitaGPT's data, fine-tune in a worker process, watch it, stop, resume,
compare with the base model, and choose the model the chat and the stories use."""

import json
import subprocess
import sys
import time
from pathlib import Path

import streamlit as st

import engine
from components.state import get_studio
from engine.training import bundle
from engine.training.config import PRESETS, TrainConfig, resolve
from engine.training.data import build_examples
from engine.training.registry import active_model, list_models, runs_dir, set_active
from engine.training.worker import STOP_FILE, read_log

studio = get_studio()
RUNS = runs_dir(studio.settings.data_dir)
st.title("🧠 Training GitaGPT")
st.caption("Training runs in its own process; this page only starts it, follows its log and can stop it.")


@st.cache_data(show_spinner="Building the dataset preview…")
def dataset_preview():
    train, val = build_examples(studio.library, studio.guard())
    return train, val


with st.expander("📦 Training data", expanded=False):
    train, val = dataset_preview()
    kinds = {}
    for e in train:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    st.write(f"{len(train):,} training and {len(val):,} validation examples (validation verses are never trained on).")
    st.bar_chart(kinds)
    for e in train[:3]:
        st.json(e["messages"], expanded=False)

with st.form("new_run"):
    c1, c2, c3 = st.columns(3)
    preset = c1.selectbox("Preset", list(PRESETS), help="smoke: under 5 minutes on CPU · standard: about an hour · gpu")
    name = c2.text_input("Run name", value=time.strftime("run-%Y%m%d-%H%M"))
    steps = c3.number_input("Steps (0 = the preset's)", 0, 100_000, 0)
    c4, c5, c6 = st.columns(3)
    lr = c4.number_input("Learning rate", 1e-6, 1e-2, PRESETS["smoke"].get("lr", 3e-4), format="%.5f",
                         help=TrainConfig.model_fields["lr"].description)
    rank = c5.number_input("LoRA rank", 1, 256, 8, help=TrainConfig.model_fields["lora_r"].description)
    batch = c6.number_input("Batch size", 1, 256, 4, help=TrainConfig.model_fields["batch_size"].description)
    start = st.form_submit_button("▶️ Start training", type="primary")


def launch(run_dir: Path) -> None:
    log = (run_dir / "worker.out").open("ab")
    subprocess.Popen([sys.executable, "-m", "engine.training.worker", str(run_dir / "config.json")],
                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


if start:
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "-_") or "run"
    try:
        cfg = resolve(preset, out_dir=RUNS / safe, max_steps=steps or None, lr=lr, lora_r=int(rank),
                      lora_alpha=int(rank) * 2, batch_size=int(batch))
    except (engine.GitaError, ValueError) as exc:
        st.error(f"Please check the settings: {exc}")
        st.stop()
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    (cfg.run_dir / "config.json").write_text(cfg.model_dump_json(indent=2))
    launch(cfg.run_dir)
    st.query_params["run"] = safe
    st.rerun()

runs = sorted([p.name for p in RUNS.glob("*") if (p / "config.json").exists()], reverse=True)
current = st.query_params.get("run") or (runs[0] if runs else None)
if current:
    chosen = st.selectbox("Run", runs, index=runs.index(current) if current in runs else 0)
    if chosen != current:
        st.query_params["run"] = chosen
        st.rerun()


@st.fragment(run_every=2.0)
def run_view(run: str) -> None:
    run_dir = RUNS / run
    log = read_log(run_dir)
    steps = [e for e in log if e.get("event") == "step"]
    evals = [e for e in log if e.get("event") == "eval"]
    done = next((e for e in log if e.get("event") == "done"), None)
    stopped = log and log[-1].get("event") == "stopped"
    stage = next((e["stage"] for e in reversed(log) if e.get("event") == "stage"), "starting")
    cfg = json.loads((run_dir / "config.json").read_text())
    last = steps[-1] if steps else {}
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Stage", "done" if done else "stopped" if stopped else stage)
    m2.metric("Step", f"{last.get('step', 0)} / {cfg['max_steps']}")
    m3.metric("Tokens / s", last.get("tokens_per_s", "–"))
    m4.metric("Elapsed · left", f"{last.get('elapsed_s', 0):.0f} s · {last.get('eta_s', 0):.0f} s")
    if steps:
        st.line_chart({"train loss": {e["step"]: e["loss"] for e in steps}})
    if evals:
        base = next((e["val_loss"] for e in evals if e.get("which") == "base"), None)
        tuned = {e["step"]: e["val_loss"] for e in evals if e.get("which") == "tuned"}
        st.line_chart({"validation loss (tuned)": tuned, "base model": {k: base for k in tuned}} if base else tuned)
    b1, b2 = st.columns(2)
    running = not done and not stopped and log
    if b1.button("⏹ Stop (keeps a checkpoint)", disabled=not running, key=f"stop-{run}"):
        (run_dir / STOP_FILE).touch()
    if b2.button("⏯ Resume", disabled=not stopped, key=f"resume-{run}"):
        launch(run_dir)
    if done:
        st.success(f"Done: validation loss {done['val_loss_base']} → {done['val_loss_tuned']}, "
                   f"{done['tokens_per_s']} tokens/s, {done['seconds']:.0f} s.")
    out = run_dir / "worker.out"
    if out.exists() and not done:
        with st.expander("Worker output"):
            st.code(out.read_text(errors="replace")[-3000:])


if current:
    run_view(current)

def product_table(product: dict) -> None:
    """Scene and opener pass rates per model, from a product evaluation (its text entries left out)."""
    st.dataframe([{"model": name, "scene pass rate": r["scene_pass_rate"], "opener pass rate": r["opener_pass_rate"]}
                  for name, r in product.items() if isinstance(r, dict)], hide_index=True)


st.divider()
st.subheader("📚 Models")
models = list_models(studio.settings.data_dir)
in_use = studio.model_path("chat")
stories_model = studio.model_path("stories")
st.caption(f"In use for the chat: {in_use or 'the bundled SmolLM2-135M-Instruct'} · for stories: "
           f"{stories_model or 'the bundled SmolLM2-135M-Instruct'}")
shipped = bundle.report(studio.settings.assets_dir)
if shipped:
    with st.container(border=True):
        built = bundle.built_path(studio.settings.assets_dir)
        st.markdown(f"**Shipped GitaGPT** · default for {', '.join(shipped.get('default_for', [])) or 'nothing'} · "
                    + ("built by `make setup`" if built else "not built yet: run `make setup`"))
        st.caption(shipped.get("why", ""))
        product_table(shipped.get("product_eval", {}))
        if not studio.settings.chat_model_opener:
            st.caption("The AI helper opens its answers with written words, not the model's: its sentences were "
                       "too often garbled or untrue for a child (README). `GITA_CHAT_MODEL_OPENER=1` turns them "
                       "back on, through a stricter gate.")
if not models:
    st.info("No exported models of your own yet: finish a training run first.")
for m in models:
    with st.container(border=True):
        st.markdown(f"**{m['run']} · {m['kind']}** · {m['size_mb']} MB · preset {m['preset']} · {m['steps']} steps · "
                    f"validation loss {m['val_loss_base']} → {m['val_loss_tuned']}")
        if m["product"]:
            st.caption("How often each model's own words reach a child (held-out verses): scenes used instead of "
                       "the plan's text, and chat answers that open with the model's sentence.")
            product_table(m["product"])
        if m["answers"]:
            st.json(m["answers"], expanded=False)
        if st.button("Use for chat and stories", key=f"use-{m['path']}"):
            try:
                set_active(studio.settings.data_dir, Path(m["path"]))
                st.success("Chosen. Restart the studio to load it.")
            except engine.GitaError as exc:
                st.error(str(exc))
if active_model(studio.settings.data_dir) and st.button("Back to the shipped models"):
    set_active(studio.settings.data_dir, None)
    st.rerun()

st.divider()
st.subheader("🆚 Side by side")
if models:
    pick = st.selectbox("Tuned model", [m["path"] for m in models], format_func=lambda p: Path(p).parent.parent.name + " · "
                        + Path(p).name)
    question = st.text_input("A child's question", "Why do I get angry when my brother takes my toys?", max_chars=300)
    if st.button("Ask both"):
        from engine.training.evaluate import compare_answers

        with st.spinner("Asking the base model and GitaGPT…"):
            try:
                answers = compare_answers([None, pick], question)
            except engine.GitaError as exc:
                st.error(str(exc))
                answers = None
        if answers:
            left, right = st.columns(2)
            left.markdown("**Base SmolLM2-135M**")
            left.write(answers[0])
            right.markdown("**GitaGPT**")
            right.write(answers[1])
else:
    st.caption("Finish a training run to compare its answers with the base model's.")
