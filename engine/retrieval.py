"""Hybrid verse retrieval: chromadb (dense, bundled MiniLM) + bm25s (keywords), fused by RRF.

What is indexed is what a child's question will match: the five English translations,
and, where the kids' companion has a card, its ``kid_meaning``, ``big_idea`` and
``kid_questions``. The index is built once (with a progress callback) into
``<data_dir>/index/<content hash>/`` and rebuilt only when that hash changes. One process
builds under a file lock; other processes wait for the lock (bounded) and then only read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from .embedder import EMBEDDER_NAME, Embedder, get_embedder
from .errors import DataError, InvalidInput
from .hindi import known_form
from .library import VerseLibrary

#: bump when the documents or the index layout change: a new hash means a rebuild
INDEX_VERSION = 2
# Fusion settings, chosen on tests/data/retrieval_eval.jsonl (bench/retrieval.py prints hit@5):
# a smaller k lets a clear first place count; keywords weigh a little less than meaning;
# a kid-question document matching counts a little more than a translation matching; and
# Krishna's own teaching verses get a slight lift over narration.
RRF_K = 30
KEYWORD_WEIGHT = 0.6
KID_QUESTION_BONUS = 0.03
TEACHER_BOOST = 1.1
#: an everyday question ("I am scared") wants Krishna's teaching, not the narration around it
TEACHER_BOOST_EVERYDAY = 1.3
#: an everyday question (one that names nobody from the story) is not answered with a battle verse
BATTLE_PENALTY = 0.3
STORY_WORDS = re.compile(
    r"\b(arjun\w*|krishna|kishan|kanha|sanjay\w*|dhritarashtra|duryodhan\w*|bhishma|drona\w*|bhima|pandav\w*|"
    r"kaurav\w*|kuru\w*|war|wars|battle|battlefield|fight\w*|army|armies|chariot|conch\w*|weapon\w*|bow|arrows?|"
    r"yudh\w*|ladai|kill\w*|gita|geeta|vishwaroop\w*)\b", re.IGNORECASE)
DENSE_CANDIDATES = 120
MAX_QUERY_CHARS = 2000
Progress = Callable[[float, str], None]

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@dataclass(frozen=True)
class Hit:
    """One retrieved verse: its ref, a score in 0..1 (higher is better) and a short text."""

    ref: str
    score: float
    text: str


def _stemmer():
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # keyword search still works, a little less forgiving of word forms
        return None


def build_documents(library: VerseLibrary) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
    """Return (verse refs in book order, one keyword document per verse, dense documents).

    Dense documents are (id, ref, text): a verse has several, and its best one counts.
    """
    refs, keyword_docs, dense_docs = [], [], []
    cards = library.cards()
    themes = library.themes()
    for verse in library.verses:
        ref = verse.ref
        english = [t.text for t in verse.translations if t.language == "english"]
        card = cards.get(ref)
        parts = list(english)
        if card:
            labels = [themes[t].label for t in card.themes if t in themes]
            parts += [card.kid_meaning, card.big_idea, *card.kid_questions, " ".join(labels)]
            dense_docs.append((f"{ref}#kid", ref, f"{card.kid_meaning} {card.big_idea}"))
            dense_docs += [(f"{ref}#q{i}", ref, q) for i, q in enumerate(card.kid_questions)]
        dense_docs.append((f"{ref}#t0", ref, english[0]))
        dense_docs.append((f"{ref}#t1", ref, english[-1]))
        refs.append(ref)
        keyword_docs.append(" ".join(parts))
    return refs, keyword_docs, dense_docs


def content_hash(refs: list[str], keyword_docs: list[str], dense_docs: list[tuple[str, str, str]]) -> str:
    h = hashlib.sha256(f"v{INDEX_VERSION}|{EMBEDDER_NAME}".encode())
    for part in (refs, keyword_docs, [d for doc in dense_docs for d in doc]):
        for text in part:
            h.update(text.encode("utf-8") + b"\x00")
    return h.hexdigest()[:16]


def _chroma_client(folder: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))


class _BundledEmbedding:
    """chromadb embedding function backed by the bundled MiniLM, so chromadb never loads its own."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def __call__(self, input):
        return [row for row in self.embedder.embed(list(input))]

    @staticmethod
    def name() -> str:
        return "gita-tales-minilm"

    def embed_query(self, input):
        return self(input)

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> _BundledEmbedding:
        return _BundledEmbedding(get_embedder())

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]


class SearchIndex:
    """A built index, opened for queries. Thread-safe for concurrent searches."""

    def __init__(self, folder: Path, library: VerseLibrary, embedder: Embedder):
        import bm25s

        self.folder = folder
        self.library = library
        self.embedder = embedder
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.refs: list[str] = manifest["refs"]
        self.stemmer = _stemmer()
        self.bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        self.collection = _chroma_client(folder / "chroma").get_collection(
            "verses", embedding_function=_BundledEmbedding(embedder))
        self._lock = threading.Lock()
        self._speakers = {v.ref: v.speaker for v in library.verses}
        cards = library.cards()
        self._battle = {ref for ref, c in cards.items() if {"war", "killing"} & set(c.sensitivity.flags)}
        self.lexicon = load_lexicon(library.assets_dir)

    # -- building -------------------------------------------------------------------------
    @classmethod
    def open_or_build(cls, library: VerseLibrary, data_dir: Path, progress: Progress | None = None,
                      embedder: Embedder | None = None, lock_timeout: float = 600) -> SearchIndex:
        """Open the index for the current content, building it first if needed."""
        embedder = embedder or get_embedder()
        refs, keyword_docs, dense_docs = build_documents(library)
        digest = content_hash(refs, keyword_docs, dense_docs)
        root = Path(data_dir) / "index"
        folder = root / digest
        if not (folder / "manifest.json").exists():
            root.mkdir(parents=True, exist_ok=True)
            try:
                with FileLock(str(root / ".build.lock"), timeout=lock_timeout):
                    if not (folder / "manifest.json").exists():  # another process may have built it meanwhile
                        _build(folder, refs, keyword_docs, dense_docs, embedder, progress)
                        _remove_stale(root, keep=digest)
            except Timeout as exc:
                raise DataError(f"Another process has been building the search index in {root} for over "
                                f"{lock_timeout:.0f} s. Wait for it, or delete that folder and try again.") from exc
        elif progress:
            progress(1.0, "Search index ready")
        return cls(folder, library, embedder)

    # -- searching ------------------------------------------------------------------------
    def _tokens(self, texts: list[str]):
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)

    def keyword_ranking(self, query: str, k: int = 50) -> list[tuple[str, float]]:
        tokens = self._tokens([query])
        if not tokens.vocab:
            return []
        k = min(k, len(self.refs))
        with self._lock:
            docs, scores = self.bm25.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [(self.refs[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def dense_ranking(self, query: str, k: int = 50, embedding: np.ndarray | None = None) -> list[tuple[str, float]]:
        vector = embedding if embedding is not None else self.embedder.embed([query])[0]
        res = self.collection.query(query_embeddings=[vector.tolist()], n_results=DENSE_CANDIDATES,
                                    include=["metadatas", "distances"])
        best: dict[str, float] = {}
        for doc_id, meta, dist in zip(res["ids"][0], res["metadatas"][0], res["distances"][0]):
            ref = meta["ref"]
            score = 1.0 - float(dist) + (KID_QUESTION_BONUS if "#q" in doc_id else 0.0)
            best[ref] = max(best.get(ref, -1.0), score)
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The ``k`` best verses for ``query``. ``mode`` is "hybrid", "bm25" or "dense".

        A question that names a verse ("what does 2.47 say?") puts that verse first.
        Raises :class:`InvalidInput` for empty or overlong queries.
        """
        query = (query or "").strip()
        if not query:
            raise InvalidInput("Type a question first.")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidInput(f"That question is {len(query):,} characters; please keep it under {MAX_QUERY_CHARS:,}.")
        if not 1 <= k <= 50:
            raise InvalidInput("k must be between 1 and 50.")
        named = self.library.find_verse_in(query)
        expanded = self.expand(query)
        if mode == "bm25":
            ranked = self.keyword_ranking(expanded, k)
        elif mode == "dense":
            ranked = self.dense_ranking(expanded, k)
        elif mode == "hybrid":
            fused = rrf_fuse([self.keyword_ranking(expanded), self.dense_ranking(expanded)], weights=[KEYWORD_WEIGHT, 1.0])
            everyday = not STORY_WORDS.search(f"{query} {expanded}")
            boost = TEACHER_BOOST_EVERYDAY if everyday else TEACHER_BOOST
            ranked = sorted(((ref, s * (boost if self._speakers[ref] == "Krishna" else 1.0)
                              * (BATTLE_PENALTY if everyday and ref in self._battle else 1.0)) for ref, s in fused),
                            key=lambda kv: -kv[1])
            top = ranked[0][1] if ranked else 1.0
            ranked = [(ref, s / max(top, 1.0)) for ref, s in ranked]
        else:
            raise InvalidInput(f"Unknown search mode {mode!r}; use hybrid, bm25 or dense.")
        if named is not None:
            top = ranked[0][1] if ranked else 1.0
            ranked = [(named.ref, max(top, 1.0))] + [r for r in ranked if r[0] != named.ref]
        return [Hit(ref=ref, score=round(score, 4), text=self.display_text(ref)) for ref, score in ranked[:k]]

    def expand(self, query: str) -> str:
        """What the index is asked: a question in Hindi or Hinglish (one with a word that only holds such
        a sentence together, "hai", "ki", "मुझे") in its English words alone; any other question with
        English words added for the Hindi and Hinglish words children often type. "mujhe exam ka result
        dekhne se darr lag raha hai" is asked as "exam test result see look fear scared lag"."""
        words = [known_form(w, self.lexicon) for w in _WORD.findall(unicodedata.normalize("NFKC", query).lower())]
        if any(self.lexicon.get(w) == "" for w in words):
            english = [self.lexicon.get(w, w) for w in words if w.isascii() or w in self.lexicon]
            return " ".join(w for w in english if w) or query
        extra = [self.lexicon[w] for w in words if self.lexicon.get(w)]
        return f"{query} {' '.join(extra)}" if extra else query

    def display_text(self, ref: str) -> str:
        verse = self.library.verse(ref)
        card = self.library.card(verse)
        return card.kid_meaning if card else verse.translation(language="english").text


#: a word of a question: Latin or Devanagari letters and signs, never the danda ("है।" is "है")
_WORD = re.compile(r"[\w\u0900-\u0963\u0966-\u097F]+")


def load_lexicon(assets_dir: Path) -> dict[str, str]:
    """Hindi and Hinglish words with the English words search can match (``chat/hinglish.yaml``; an
    empty meaning marks a word that only holds a Hindi sentence together), and, for words it lacks, the
    safety classifier's glosses (``safety/gloss.yaml``, 4,268 words; ``hinglish.yaml`` wins where both
    have a word: "gali" is a street there, a swear word in the glosses). A gloss that repeats its word
    ("krishna: krishna god") names something the English index already knows and is left out. Measured
    with ``bench/retrieval.py --eval``: the Devanagari glosses took the Hindi eval's hit@5 from 0.27 to
    0.48 (0.55 with :func:`engine.hindi.known_form`; 0.64 once they had everyday words too, "पुराने" old,
    "जैसा" like); the Latin ones, once they had everyday words, the Hinglish eval's from 0.42 to 0.61
    (the English eval 0.75 -> 0.74: one Hinglish question among its 103 fell out of the top 5)."""
    import yaml

    from .errors import ModelError
    from .safety import load_gloss

    data = Path(assets_dir) / "data"
    table = yaml.safe_load((data / "chat" / "hinglish.yaml").read_text(encoding="utf-8")) or {}
    lexicon = {unicodedata.normalize("NFKC", str(k)).lower(): "" if v is None else str(v) for k, v in table.items()}
    try:
        glosses = load_gloss(data / "safety")
    except ModelError:  # the glosses only help Hindi and Hinglish search; the safety guard says when they are missing
        glosses = {}
    for word, meaning in glosses.items():
        if word not in meaning.split():
            lexicon.setdefault(word, meaning)
    return lexicon


def rrf_fuse(rankings: list[list[tuple[str, float]]], k: int = RRF_K,
             weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion, scaled so a verse ranked first by every list scores 1.0."""
    if not rankings:
        return []
    weights = weights or [1.0] * len(rankings)
    fused: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, (ref, _) in enumerate(ranking):
            fused[ref] = fused.get(ref, 0.0) + w / (k + rank + 1)
    best = sum(weights) / (k + 1)
    return sorted(((ref, s / best) for ref, s in fused.items()), key=lambda kv: -kv[1])


def _build(folder: Path, refs, keyword_docs, dense_docs, embedder: Embedder, progress: Progress | None) -> None:
    import bm25s

    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    say = progress or (lambda f, m: None)
    say(0.0, "Indexing keywords")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(keyword_docs, stopwords="en", stemmer=_stemmer(), show_progress=False),
                    show_progress=False)
    retriever.save(str(tmp / "bm25"), show_progress=False)

    collection = _chroma_client(tmp / "chroma").create_collection(
        "verses", embedding_function=_BundledEmbedding(embedder), metadata={"hnsw:space": "cosine"})
    batch = 128
    for start in range(0, len(dense_docs), batch):
        chunk = dense_docs[start:start + batch]
        say(0.05 + 0.9 * start / len(dense_docs), f"Embedding verses ({start}/{len(dense_docs)})")
        vectors = embedder.embed([text for _, _, text in chunk])
        collection.add(ids=[i for i, _, _ in chunk], embeddings=[v.tolist() for v in vectors],
                       metadatas=[{"ref": ref} for _, ref, _ in chunk], documents=[t for _, _, t in chunk])
    del collection
    (tmp / "manifest.json").write_text(json.dumps({"version": INDEX_VERSION, "embedder": EMBEDDER_NAME,
                                                   "refs": refs, "documents": len(dense_docs)}), encoding="utf-8")
    os.replace(tmp, folder)
    say(1.0, "Search index ready")


def _remove_stale(root: Path, keep: str) -> None:
    for child in root.iterdir():
        if child.is_dir() and child.name != keep and re.fullmatch(r"[0-9a-f]{16}(\.building)?", child.name):
            shutil.rmtree(child, ignore_errors=True)
