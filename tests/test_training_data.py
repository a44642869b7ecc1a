"""The GitaGPT dataset builder."""

import json

from engine.training.data import build_examples, write_dataset


def test_dataset_kinds_split_and_manifest(studio, tmp_path):
    train, val = build_examples(studio.library, studio.guard(), seed=3)
    kinds = {e["kind"] for e in train}
    assert kinds >= {"kid_question", "explain", "story", "safety"} and kinds <= {"kid_question", "explain", "story",
                                                                                "safety", "scene", "opener"}
    train_refs = {e["ref"] for e in train if e["ref"]}
    val_refs = {e["ref"] for e in val if e["ref"]}
    assert val_refs and not (train_refs & val_refs)  # validation verses are unseen
    assert len(train_refs | val_refs) == 701
    for e in train + val:
        roles = [m["role"] for m in e["messages"]]
        assert roles[0] == "system" and roles[-2:] == ["user", "assistant"] and all(m["content"].strip() for m in e["messages"])
        if e["kind"] not in ("scene", "opener"):
            assert roles == ["system", "user", "assistant"]
        if e["kind"] in ("kid_question", "explain"):
            assert f"verse {e['ref']}" in e["messages"][2]["content"]
    safety = [e for e in train if e["kind"] == "safety"]
    assert any("grown-up you trust" in e["messages"][2]["content"] for e in safety)
    manifest = write_dataset(tmp_path, train, val)
    assert manifest["train"] == len(train) and manifest["verse_overlap"] == 0
    assert json.loads((tmp_path / "manifest.json").read_text())["kinds"]["val"]["explain"] == 3 * len(val_refs)
    assert sum(1 for _ in (tmp_path / "train.jsonl").open()) == len(train)
    assert build_examples(studio.library, studio.guard(), seed=3)[1] == val  # reproducible


def test_model_written_examples_are_gate_passed_and_on_training_verses(studio):
    """Scenes in the shipped data come from training verses only and still pass the story gate's word checks."""
    from engine.quality import made_up_words
    from engine.training.data import split_refs

    path = studio.settings.assets_dir / "data" / "training" / "scenes.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    _, val_refs = split_refs(studio.library)
    assert len(rows) >= 100 and not {r["ref"] for r in rows} & val_refs
    for r in rows:
        narration = json.loads(r["messages"][-1]["content"])["narration"]
        names = set(r["messages"][0]["content"].split("Use only these names: ")[1].split(".")[0].split(", "))
        assert not made_up_words(narration, names | {"Krishna", "Arjuna"}), narration
