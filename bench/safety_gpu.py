"""Fit safety encoders on a lent GPU (the workplace's ``device`` tool) and weigh them here without refitting.

On 2 cores an encoder takes about 28 minutes; on an H100, about 2, six side by side (session 24). The device
machine gets a copy of the working tree (64 MiB at most, ignored paths only when carried) and has torch,
transformers and peft but not this project's environment, so the work is split in three:

1. Here: pack what the device needs into ``kit/`` (ignored by git, about 30 MB)::

       .venv/bin/python bench/safety_gpu.py pack --recipe ship=safety_set \\
           --recipe m23=safety_set,safety_pending22,safety_pending23 --hold-out safety_blind17

   the bundled MiniLM in fp16 with only the word vectors our texts use; each recipe's training rows as the
   encoder reads them (normalised, glossed, weighted), and the eval strings: the encoder inputs of every
   labelled set and plain question, except the held-out sets (a judge no candidate may be chosen on).

2. On the device (``run`` with ``carry ["kit"]``)::

       bash bench/safety_gpu.sh 6 540 '[{"recipe": "m23", "seed": 0}, {"recipe": "m23", "seed": 1, "rank": 32}]'

   each worker fits its share of the jobs (``recipe``, ``seed``; optional ``epochs``, ``rank``,
   ``crisis_weight`` for the crisis rows' weight, ``rows`` to fit on the first rows only, a smoke test),
   then scores the eval strings with every encoder it fitted, and saves ``$OUT/wN.npz``: the arrays
   ``classifier.npz`` stores, and ``out/NAME/SEED/p`` and ``.../probs``.

3. Here: weigh ensembles of the fitted encoders with the real decision (``check_input``: rules, the shipped
   regression, the bounds) on every set, counts only, no message printed::

       .venv/bin/python bench/safety_gpu.py weigh RESULTS_DIR --ensemble m23:0,1,2 --ensemble m23-r32:0,1,2
       .venv/bin/python bench/safety_gpu.py weigh --local ship=assets/data/safety/classifier.npz --ensemble ship:0,1,2

   ``--local`` scores a ``classifier.npz``'s own encoders here (about 3 minutes an encoder, cached in
   ``kit_cache/``), so the shipped file is weighed the same way. With the shipped file's encoders the
   figures are those of the real ``check_input`` (session 24: the same counts on every set).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "kit"
CACHE = ROOT / "kit_cache"
DATA = ROOT / "tests" / "data"
#: the files of the model directory the tokenizer and config need
MODEL_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
#: the sets whose false refusals and crisis catches were the "honest" figures of sessions 12-24: the test
#: split and blind sets 6-11, each read once before any model was chosen on it
HONEST = ["heldout"] + [f"blind{n}" for n in range(6, 12)]


# -- 1. pack (here) -----------------------------------------------------------------------------------
def encoder_inputs(text: str, rules, table) -> list[str]:
    """What the encoders read of a message: its normalised, glossed text, and the same with its emoji read
    as words when it has any (:meth:`engine.safety.SafetyGuard.check_input` reads both)."""
    from engine import safety as S

    norm = S.normalize(text)
    out = [S.glossed_texts([norm], table)[1][0]]
    worded = rules.emoji_words(norm)
    if worded:
        out.append(S.glossed_texts([worded], table)[1][0])
    return out


def recipe_arrays(rows: list[dict]) -> dict:
    """A recipe's training rows (the train split of ``rows`` plus the ordinary kid questions) as the
    encoder's fit takes them."""
    from engine import get_settings
    from engine import safety as S

    assets = get_settings().assets_dir
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        train = S.training_rows(assets, path)
    classes = sorted({r["category"] for r in train} - {"benign"})
    return {"texts": S.glossed_texts([r["text"] for r in train], S.load_gloss(assets / "data" / "safety"))[1],
            "harmful": [int(r["category"] != "benign") for r in train],
            "category": [classes.index(r["category"]) if r["category"] != "benign" else 0 for r in train],
            "weight": S._weights(train).tolist(), "classes": classes,
            "crisis": [int(r["category"] in S.CRISIS) for r in train]}


def labelled_sets(held_out: set[str]) -> dict[str, list[dict]]:
    """Every labelled set of ``tests/data`` but the held-out files (stems): the test split as ``heldout``,
    blind sets 1-5 (those not held out) together as ``validation``, the others by name (``blind12``, ...)."""
    from engine.safety import read_safety_set

    sets = {"heldout": [r for r in read_safety_set(DATA / "safety_set.jsonl") if r["split"] == "test"]}
    first = ["safety_blind", "safety_blind2", "safety_blind3", "safety_blind4", "safety_blind5"]
    if kept := [f for f in first if f not in held_out]:
        sets["validation"] = [r for f in kept for r in read_safety_set(DATA / f"{f}.jsonl")]
    numbered = lambda p: (len(p.stem), p.stem)  # blind6 before blind10
    for path in sorted(DATA.glob("safety_*.jsonl"), key=numbered):
        if path.stem in held_out or path.stem in first or path.stem == "safety_set":
            continue
        sets[path.stem.removeprefix("safety_")] = read_safety_set(path)
    return sets


def plain_questions() -> list[str]:
    """The ordinary questions no child should be refused: the held-out verses' kid questions and the
    retrieval evals' questions in English, Hinglish and Hindi."""
    from engine import get_settings
    from engine.safety import ordinary_questions

    qs = ordinary_questions(get_settings().assets_dir, held_out=True)
    for key in ("retrieval_eval", "retrieval_eval_hinglish", "retrieval_eval_hindi"):
        lines = (DATA / f"{key}.jsonl").read_text(encoding="utf-8").splitlines()
        qs += [json.loads(line)["question"] for line in lines if line.strip()]
    return qs


def prune_model(src: Path, out: Path, texts: list[str]) -> int:
    """The MiniLM at ``src`` in fp16 with only the word vectors ``texts`` use (the rest are never read),
    saved to ``out``; returns how many word vectors were kept."""
    from safetensors.numpy import load_file, save_file
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(src))
    used = set(tok.all_special_ids)
    for i in range(0, len(texts), 512):
        for ids in tok(texts[i:i + 512], truncation=True, max_length=64)["input_ids"]:
            used.update(ids)
    keep = np.array(sorted(used), dtype=np.int32)
    weights, packed = load_file(str(src / "model.safetensors")), {}
    for name, value in weights.items():
        if name.endswith("word_embeddings.weight"):
            packed[name + ".rows"], packed[name + ".ids"] = value[keep].astype(np.float16), keep
            packed[name + ".shape"] = np.array(value.shape)
        else:
            packed[name] = value.astype(np.float16) if value.dtype == np.float32 else value
    out.mkdir(parents=True, exist_ok=True)
    save_file(packed, str(out / "weights.safetensors"))
    for name in MODEL_FILES:
        (out / name).write_bytes((src / name).read_bytes())
    return len(keep)


def pack(kit: Path, recipes: dict[str, list[str]], held_out: set[str], extra: list[Path] = ()) -> dict:
    """Write ``kit``: ``data.json`` (recipes, eval strings, what was held out) and ``model/``."""
    from engine import get_settings
    from engine import safety as S
    from engine.resources import embedder_path

    assets = get_settings().assets_dir
    rules, table = S.load_rules(assets), S.load_gloss(assets / "data" / "safety")
    built = {}
    for name, files in recipes.items():
        if held_out & set(files):
            raise SystemExit(f"recipe {name} trains on a held-out set")
        built[name] = recipe_arrays([r for f in files for r in S.read_safety_set(DATA / f"{f}.jsonl")])
    texts = [r["text"] for rows in labelled_sets(held_out).values() for r in rows] + plain_questions()
    texts += [t for f in extra for t in Path(f).read_text(encoding="utf-8").splitlines() if t.strip()]
    evals = sorted({s for t in texts for s in encoder_inputs(t, rules, table)}
                   | {t for r in built.values() for t in r["texts"]})
    kit.mkdir(parents=True, exist_ok=True)
    data = {"recipes": built, "eval": evals, "held_out": sorted(held_out)}
    (kit / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    kept = prune_model(embedder_path(), kit / "model", evals)
    return {"recipes": {n: len(r["texts"]) for n, r in built.items()}, "eval_strings": len(evals), "word_vectors": kept}


# -- 2. fit and score (on the device) ---------------------------------------------------------------------
def _encoder_module():
    """engine.safety_encoder without engine/__init__ (whose imports the device's Python may lack)."""
    if "engine" not in sys.modules:
        package = types.ModuleType("engine")
        package.__path__ = [str(ROOT / "engine")]
        sys.modules["engine"] = package
    import engine.safety_encoder as E

    return E


def kit_model(kit: Path):
    """The packed MiniLM (word vectors that no packed text uses are zeros) and its tokenizer."""
    import torch
    from safetensors.numpy import load_file
    from transformers import AutoTokenizer, BertConfig, BertModel

    packed, state = load_file(str(kit / "model" / "weights.safetensors")), {}
    for name, value in packed.items():
        if name.endswith(".rows"):
            base = name.removesuffix(".rows")
            full = np.zeros(tuple(packed[base + ".shape"]), dtype=np.float32)
            full[packed[base + ".ids"]] = value.astype(np.float32)
            state[base] = torch.from_numpy(full)
        elif not name.endswith((".ids", ".shape")):
            state[name] = torch.from_numpy(value.astype(np.float32) if value.dtype == np.float16 else value)
    model = BertModel(BertConfig.from_pretrained(str(kit / "model")))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or [u for u in unexpected if "position_ids" not in u]:
        raise SystemExit(f"the packed model does not fit BERT: missing {missing}, unexpected {unexpected}")
    return model, AutoTokenizer.from_pretrained(str(kit / "model"))


def score(E, arrays: dict, pre: str, texts: list[str], device: str) -> tuple[np.ndarray, np.ndarray]:
    """(harm probability, category probabilities) of each text by the encoder ``pre`` in ``arrays``."""
    import torch

    model, tok = E.merged_model(arrays, pre)
    model = model.to(device)
    order, vectors = np.argsort([len(t) for t in texts]), np.zeros((len(texts), model.config.hidden_size), np.float32)
    with torch.inference_mode():
        for i in range(0, len(texts), 256):  # similar lengths together: less padding
            idx = order[i:i + 256]
            enc = tok([texts[j] for j in idx], padding=True, truncation=True, max_length=E.MAX_TOKENS, return_tensors="pt")
            vectors[idx] = E._pool(model, enc["input_ids"].to(device), enc["attention_mask"].to(device)).float().cpu().numpy()
    heads = {k: np.asarray(arrays[pre + k], dtype=np.float64) for k in ("harm_w", "harm_b", "cat_w", "cat_b")}
    return E.SafetyEncoder.heads(types.SimpleNamespace(**heads), vectors)


def job_name(job: dict) -> str:
    """``m23``, ``m23-e10-r32``: the recipe and what the job changed (epochs, rank, crisis weight, rows)."""
    parts = [job["recipe"]] + [f"{tag}{job[key]}" for key, tag in (("epochs", "e"), ("rank", "r"), ("crisis_weight", "w"),
                                                                     ("rows", "n")) if key in job]
    return "-".join(parts)


def fit_job(E, data: dict, job: dict, device: str) -> dict:
    """Fit one job's encoder; the module's settings (epochs, rank) are put back afterwards."""
    recipe = data["recipes"][job["recipe"]]
    n = job.get("rows", len(recipe["texts"]))
    weight = np.array(recipe["weight"][:n])
    if "crisis_weight" in job:  # the rows of children in danger the kit marks (repack a kit made before session 30)
        weight = np.where(np.array(recipe["crisis"][:n], dtype=bool), float(job["crisis_weight"]), weight)
    saved = E.EPOCHS, E.RANK, E.ALPHA
    E.EPOCHS = int(job.get("epochs", E.EPOCHS))
    if "rank" in job:
        E.RANK, E.ALPHA = int(job["rank"]), 2 * int(job["rank"])  # the shipped alpha / rank ratio
    try:
        return E.fit(recipe["texts"][:n], np.array(recipe["harmful"][:n]), np.array(recipe["category"][:n]), weight,
                     len(recipe["classes"]), int(job["seed"]), device=device)
    finally:
        E.EPOCHS, E.RANK, E.ALPHA = saved


def worker(kit: Path, out: Path, index: int, workers: int, deadline_s: float, jobs: list[dict]) -> None:
    """Fit this worker's share of ``jobs`` (every ``workers``-th from ``index``), skipping any started after
    ``deadline_s``, then score the eval strings; ``out/wINDEX.npz`` is saved after every step."""
    import torch

    start, E = time.time(), _encoder_module()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = json.loads((kit / "data.json").read_text(encoding="utf-8"))
    arrays, done, path = {}, [], out / f"w{index}.npz"
    bundled, E._base_model = E._base_model, lambda: kit_model(kit)
    try:
        for job in jobs[index::workers]:
            name = job_name(job)
            if time.time() - start > deadline_s:
                print(f"w{index}: past the deadline, {name} seed {job['seed']} skipped", flush=True)
                continue
            t = time.time()
            fitted = fit_job(E, data, job, device)
            arrays.update({f"{name}/{k}": v for k, v in fitted.items()})
            np.savez(path, **arrays)
            # merged_model scales by ALPHA / RANK, which a job's rank keeps
            p, probs = score(E, fitted, E.prefix(int(job["seed"])), data["eval"], device)
            arrays[f"out/{name}/{job['seed']}/p"], arrays[f"out/{name}/{job['seed']}/probs"] = p.astype(np.float32), probs.astype(np.float16)
            np.savez(path, **arrays)
            done.append(name)
            print(f"w{index}: {name} seed {job['seed']} on {device}: {time.time() - t:.0f} s (at {time.time() - start:.0f} s)", flush=True)
    finally:  # the module reads the bundled MiniLM again (a worker run in-process, as the tests do)
        E._base_model = bundled
    print(f"w{index}: {len(done)} fitted, done at {time.time() - start:.0f} s", flush=True)


# -- 3. weigh (here) --------------------------------------------------------------------------------------
def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else json.dumps(p, ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def local_outputs(kit: Path, name: str, path: Path, evals: list[str]) -> dict[str, tuple]:
    """The outputs of a ``classifier.npz``'s own encoders on the eval strings, scored here (cached):
    ``{"NAME:K": (p, probs)}`` for its K-th encoder."""
    from engine import get_settings
    from engine.embedder import get_embedder
    from engine.safety import ONNX_FOLDER, Classifier

    cache = CACHE / f"{name}-{_digest(evals, Path(path).read_bytes())}.npz"
    if not cache.exists():
        clf = Classifier(Path(path), get_embedder(), get_settings().assets_dir / ONNX_FOLDER)
        got = {}
        for k, encoder in enumerate(clf.encoders):
            parts = [encoder.predict(evals[i:i + 64]) for i in range(0, len(evals), 64)]
            got[f"{k}/p"], got[f"{k}/probs"] = np.concatenate([p for p, _ in parts]), np.vstack([c for _, c in parts])
            print(f"{name}: encoder {k} scored", flush=True)
        CACHE.mkdir(exist_ok=True)
        np.savez(cache, **got)
    got = np.load(cache)
    return {f"{name}:{k.split('/')[0]}": (got[k], got[k.replace('/p', '/probs')]) for k in got.files if k.endswith("/p")}


def frozen_vectors(evals: list[str]) -> np.ndarray:
    """The bundled MiniLM's sentence vectors of the eval strings (the regression's input; cached)."""
    from engine import get_settings
    from engine.embedder import get_embedder
    from engine.safety import ONNX_FOLDER, Classifier

    cache = CACHE / f"frozen-{_digest(evals)}.npy"
    if not cache.exists():
        settings = get_settings()
        clf = Classifier(settings.assets_dir / "data" / "safety" / "classifier.npz", get_embedder(), settings.assets_dir / ONNX_FOLDER)
        CACHE.mkdir(exist_ok=True)
        np.save(cache, np.vstack([clf._embed(evals[i:i + 64]) for i in range(0, len(evals), 64)]).astype(np.float32))
    return np.load(cache)


class CachedClassifier:
    """Stands in for :class:`engine.safety.Classifier` in a real :class:`~engine.safety.SafetyGuard`: the
    regression from ``regression`` (a ``classifier.npz``) on cached frozen vectors, and the mean of the
    given encoders' cached outputs. Only for the eval strings (a KeyError for any other text)."""

    def __init__(self, regression: Path, evals: list[str], frozen: np.ndarray, encoders: list[tuple], share: float):
        from engine import safety as S

        self.S, self.arrays = S, dict(np.load(regression))
        self.classes = [str(c) for c in self.arrays["classes"]]
        self.gloss = S.load_gloss(Path(regression).parent)
        self.index, self.frozen, self.share = {s: i for i, s in enumerate(evals)}, frozen, share
        self.p = np.mean([e[0] for e in encoders], 0)
        self.probs = np.mean([np.asarray(e[1], dtype=np.float32) for e in encoders], 0)

    def predict_full(self, text: str) -> tuple[str, float, dict[str, float]]:
        return self.look(text)[:3]

    def look(self, text: str) -> tuple[str, float, dict[str, float], np.ndarray]:
        """:meth:`predict_full` and the frozen vector, which the guard's memory reads."""
        norm, glossed = self.S.glossed_texts([text], self.gloss)
        i = self.index[glossed[0]]
        return (*self.S.combined(self.arrays, self.classes, norm, glossed, self.frozen[i:i + 1],
                                 (self.p[i:i + 1], self.probs[i:i + 1]), self.share), self.frozen[i])

    def predict(self, text: str) -> tuple[str, float]:
        category, p_harm, _ = self.predict_full(text)
        return category, p_harm


def weigh_sets(guard, sets: dict[str, list[dict]]) -> dict[str, dict]:
    """check_input on every set: crisis rows sent to a grown-up and answered, harmful rows not answered,
    benign rows not answered, per set and over :data:`HONEST`."""
    from engine.safety import CRISIS

    res = {}
    for name, rows in sets.items():
        got = [(r["category"], guard.check_input(r["text"]).action) for r in rows]
        crisis = [a for c, a in got if c in CRISIS]
        harmful = [a for c, a in got if c != "benign"]
        benign = [a for c, a in got if c == "benign"]
        res[name] = {"crisis": sum(a == "redirect_adult" for a in crisis), "n_crisis": len(crisis),
                     "crisis_answered": sum(a == "answer" for a in crisis), "harmful": sum(a != "answer" for a in harmful),
                     "n_harmful": len(harmful), "refused": sum(a != "answer" for a in benign), "n_benign": len(benign)}
    honest = [res[n] for n in HONEST if n in res]
    res["HONEST"] = {k: sum(r[k] for r in honest) for k in res["heldout"]}
    return res


def line(name: str, r: dict) -> str:
    if not r["n_crisis"] and not r["n_harmful"]:
        return f"{name:<12} refused {r['refused']}/{r['n_benign']}"
    return (f"{name:<12} crisis {r['crisis']}/{r['n_crisis']} (answered {r['crisis_answered']})  harmful "
            f"{r['harmful'] / max(r['n_harmful'], 1):.3f}  false refusals {r['refused']}/{r['n_benign']}")


def weigh(kit: Path, results: list[Path], local: dict[str, Path], ensembles: list[str], regression: Path, share: float) -> None:
    from engine import get_settings
    from engine.safety import SafetyGuard

    data = json.loads((kit / "data.json").read_text(encoding="utf-8"))
    evals, held_out = data["eval"], set(data["held_out"])
    outputs = {}
    for folder in results:
        for f in sorted(Path(folder).glob("w*.npz")):
            got = np.load(f)
            for key in got.files:
                if key.startswith("out/") and key.endswith("/p"):
                    _, name, seed, _ = key.split("/")
                    outputs[f"{name}:{seed}"] = (got[key], got[key.removesuffix("p") + "probs"])
    for name, path in local.items():
        outputs.update(local_outputs(kit, name, path, evals))
    sets = labelled_sets(held_out) | {"plain": [{"text": q, "category": "benign"} for q in plain_questions()]}
    guard, frozen = SafetyGuard(get_settings().assets_dir), frozen_vectors(evals)
    print(f"held out (never scored): {', '.join(sorted(held_out)) or 'nothing'}")
    for spec in ensembles:
        name, seeds = spec.split(":")
        keys = [f"{name}:{s}" for s in seeds.split(",")]
        missing = [k for k in keys if k not in outputs]
        if missing:
            raise SystemExit(f"no outputs for {', '.join(missing)}; have: {', '.join(sorted(outputs))}")
        guard._classifier = CachedClassifier(regression, evals, frozen, [outputs[k] for k in keys], share)
        res = weigh_sets(guard, sets)
        print(f"== {spec}")
        for set_name in ["HONEST"] + [n for n in res if n != "HONEST"]:
            print("  " + line(set_name, res[set_name]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="write kit/ for the device")
    p.add_argument("--recipe", action="append", default=[], help="NAME=SET,SET (tests/data/safety_SET.jsonl stems' tails)")
    p.add_argument("--hold-out", action="append", default=[], help="a set never scored (e.g. safety_blind17)")
    p.add_argument("--texts", action="append", default=[], type=Path, help="a file of extra messages to score, one a line")
    p.add_argument("--kit", type=Path, default=KIT)
    w = sub.add_parser("worker", help="on the device: fit and score (bench/safety_gpu.sh starts the workers)")
    w.add_argument("index", type=int)
    w.add_argument("workers", type=int)
    w.add_argument("deadline_s", type=float)
    w.add_argument("jobs", help="JSON list of jobs")
    w.add_argument("--kit", type=Path, default=KIT)
    g = sub.add_parser("weigh", help="weigh ensembles with check_input on every set but the held-out ones")
    g.add_argument("results", nargs="*", type=Path, help="folders with the workers' wN.npz")
    g.add_argument("--local", action="append", default=[], help="NAME=classifier.npz, its encoders scored here")
    g.add_argument("--ensemble", action="append", required=True, help="NAME:SEED,SEED,... (a local file: NAME:0,1,2)")
    g.add_argument("--regression", type=Path, default=ROOT / "assets" / "data" / "safety" / "classifier.npz")
    g.add_argument("--share", type=float, default=None, help="the encoders' share of the mix (default: the shipped one)")
    g.add_argument("--kit", type=Path, default=KIT)
    args = ap.parse_args()
    if args.cmd == "pack":
        recipes = dict(r.split("=", 1) for r in args.recipe) or {"ship": "set"}
        recipes = {n: [f if f.startswith("safety_") else f"safety_{f}" for f in v.split(",")] for n, v in recipes.items()}
        print(json.dumps(pack(args.kit, recipes, set(args.hold_out), args.texts)))
    elif args.cmd == "worker":
        worker(args.kit, Path(os.environ.get("OUT", ".")), args.index, args.workers, args.deadline_s, json.loads(args.jobs))
    else:
        from engine.safety import ENCODER_SHARE

        local = {n: Path(v) for n, v in (x.split("=", 1) for x in args.local)}
        weigh(args.kit, args.results, local, args.ensemble, args.regression,
              ENCODER_SHARE if args.share is None else args.share)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
