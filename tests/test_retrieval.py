"""Hybrid retrieval with the real embedder and chromadb (slow: builds the index once per session)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import InvalidInput
from engine.retrieval import SearchIndex, build_documents, content_hash, rrf_fuse

pytestmark = pytest.mark.slow
EVAL = Path(__file__).parent / "data" / "retrieval_eval.jsonl"


@pytest.fixture(scope="module")
def index(studio):
    steps = []
    idx = studio.search_index(progress=lambda f, m: steps.append(f))
    return idx


def test_index_is_stored_by_content_hash_and_reused(studio, index):
    digest = content_hash(*build_documents(studio.library))
    assert index.folder.name == digest and (index.folder / "manifest.json").exists()
    reopened = SearchIndex.open_or_build(studio.library, studio.settings.data_dir,
                                         progress=lambda f, m: None, embedder=index.embedder)
    assert reopened.folder == index.folder


def test_hash_changes_when_the_companion_changes(studio):
    refs, keyword_docs, dense_docs = build_documents(studio.library)
    changed = list(dense_docs)
    changed[0] = (changed[0][0], changed[0][1], changed[0][2] + " edited")
    assert content_hash(refs, keyword_docs, changed) != content_hash(refs, keyword_docs, dense_docs)


def test_hybrid_beats_or_matches_each_part_on_the_eval_set(index):
    items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    assert len(items) >= 60 and {i["kind"] for i in items} == {"famous", "everyday", "story"}
    score = {}
    for mode in ("bm25", "dense", "hybrid"):
        hits = [bool({h.ref for h in index.search(i["question"], k=5, mode=mode)} & set(i["refs"])) for i in items]
        score[mode] = sum(hits) / len(hits)
    # measured 2026-11-23: bm25 0.58, dense 0.66, hybrid 0.75 (bench/retrieval.py)
    assert score["hybrid"] >= max(score["bm25"], score["dense"])
    assert score["hybrid"] >= 0.65


def test_direct_lookup_and_results(index):
    hits = index.search("what does chapter 2 verse 47 say?", k=5)
    assert hits[0].ref == "2.47" and len(hits) == 5 and all(0 <= h.score <= 1 for h in hits)
    assert hits[0].text
    assert [h.ref for h in index.search("gussa kyun aata hai", k=10, mode="bm25")]  # Hinglish words are expanded


def test_hindi_and_hinglish_questions_are_searched_by_their_english_words(index):
    # a Hinglish or Hindi sentence is asked in its English words alone: "ki", "hai", "मुझे" mean
    # nothing to the English index, and the dense model reads them as noise
    assert index.expand("mujhe exam ka result dekhne se darr lag raha hai") == "exam test result see look fear scared lag"
    assert index.expand("मुझे गुस्सा क्यों आता है") == "anger angry why comes"
    # an English question keeps its words, with the lexicon's words added
    assert index.expand("why do i get angry") == "why do i get angry"
    assert index.expand("my dog died") == "my dog died death grief soul never dies"
    # Devanagari: the danda is no part of a word, an inflected form is looked up by its dictionary form
    # ("कपड़ों" as "कपड़े"), and a word the lexicon lacks takes the safety glosses' meaning
    assert index.expand("शरीर पुराने कपड़ों जैसा है।") == "body old clothes like"
    # a Latin Hinglish word the chat lexicon lacks takes the safety glosses' meaning ("kaanpne", shaking),
    # unless the gloss only repeats a name the English index knows ("krishna: krishna god")
    assert "shaking" in index.expand("stage pe mere pair kaanpne lagte hain")
    assert index.expand("who is krishna") == "who is krishna"


def test_hinglish_questions_find_the_verses_of_the_same_question_in_english(index):
    """tests/data/retrieval_eval_hinglish.jsonl: the English set's questions as children would ask them in
    Hinglish (written by a helper who never saw the lexicon); measured 2026-11-24: hybrid hit@5 0.61 (0.42
    before Latin words took the safety glosses' everyday meanings), was 0.28 before Hinglish questions were
    searched by their English words (bench/retrieval.py --eval)."""
    items = [json.loads(line) for line in (EVAL.parent / "retrieval_eval_hinglish.jsonl").read_text("utf-8").splitlines()]
    hits = [bool({h.ref for h in index.search(i["question"], k=5)} & set(i["refs"])) for i in items]
    assert sum(hits) / len(hits) >= 0.57


def test_hindi_questions_find_the_verses_of_the_same_question_in_english(index):
    """tests/data/retrieval_eval_hindi.jsonl: the same questions in Devanagari. Measured 2026-11-24: hybrid
    hit@5 0.64 (0.55 before the safety glosses had everyday words: "पुराने" old, "जैसा" like), was 0.20 while a Hindi story question ("अर्जुन युद्ध क्यों नहीं करना चाहता था?") was taken
    for an everyday one (the battle verses ranked down) and most Hindi words were not understood."""
    items = [json.loads(line) for line in (EVAL.parent / "retrieval_eval_hindi.jsonl").read_text("utf-8").splitlines()]
    hits = [bool({h.ref for h in index.search(i["question"], k=5)} & set(i["refs"])) for i in items]
    assert sum(hits) / len(hits) >= 0.6


@pytest.mark.parametrize("bad", ["", "x" * 3000])
def test_bad_queries(index, bad):
    with pytest.raises(InvalidInput):
        index.search(bad)


def test_rrf_fuse():
    fused = rrf_fuse([[("a", 1), ("b", 1)], [("b", 1), ("c", 1)]])
    assert fused[0][0] == "b" and dict(fused)["a"] < dict(fused)["b"]
    assert rrf_fuse([[("a", 1)], [("a", 1)]])[0][1] == pytest.approx(1.0)


def test_a_second_process_reads_the_index_without_hanging(studio, index):
    code = ("from engine import open_studio; s = open_studio(); "
            "print(s.search('I am scared of the dark', k=3)[0].ref)")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "GITA_DATA_DIR": str(studio.settings.data_dir)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().count(".") == 1
