"""Kid safety: every message is checked before the model sees it, every answer before a child does.

Three actions: ``answer``, ``refuse`` (kind decline plus something safe instead) and
``redirect_adult`` (tell a trusted grown-up now, with helplines). The decision combines

1. rules from ``assets/data/safety/rules.yaml`` (crisis words, abuse and grooming, found
   drugs or weapons, personal data, prompt injection), applied to the message and to what
   it says once decoded (base64, reversed text, leetspeak, rot13);
2. a small classifier trained on the team's labelled set, shipped as
   ``assets/data/safety/classifier.npz``: a mix (``ENCODER_SHARE``) of a logistic regression on the
   bundled MiniLM embeddings (plus character and word n-grams) and of the same MiniLM fine-tuned with
   a small LoRA adapter (:mod:`engine.safety_encoder`).

Retrain after editing the labelled set: ``python -m engine.safety train``; ``python -m engine.safety cv``
prints recall and false refusals per threshold, by cross-validation on the train split;
``bench/safety_bounds.py`` weighs the decision's bounds on the validation blind sets.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import json
import re
import sys
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import yaml

from . import safety_encoder
from .errors import DataError, InvalidInput, ModelError
from .hindi import known_form
from .minilm_onnx import FOLDER as ONNX_FOLDER
from .minilm_onnx import unit
from .paths import REPO_ROOT
from .safety_encoder import SafetyEncoder, _base_model, average, predict_with, prefixes

#: what each category of the labelled set asks the guard to do
CATEGORY_ACTION = {
    "benign": "answer",
    "self_harm": "redirect_adult", "abuse": "redirect_adult", "strangers": "redirect_adult",
    "drugs_found": "redirect_adult",
    "violence": "refuse", "sexual": "refuse", "hate": "refuse", "personal_info": "refuse",
    "dangerous": "refuse", "drugs": "refuse", "disrespect": "refuse", "not_for_kids": "refuse",
    "injection": "refuse",
}
CRISIS = {"self_harm", "abuse", "strangers", "drugs_found"}
#: model-written sentences are short and grounded: only a clear harm signal blocks one
HARM_THRESHOLD_OUTPUT = 0.9
SAFETY_SET = REPO_ROOT / "tests" / "data" / "safety_set.jsonl"

#: what :func:`normalize` drops (invisible characters) and reads otherwise: the dotless i as i, since the rules
#: match lower-case text without re.IGNORECASE (which matched "kıll" as "kill"); NFKC and lower() already
#: make every other letter that the flag matched plain ASCII
_TRANSLATE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u202d"), None) | {ord("\u0131"): "i"}
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_B64 = re.compile(r"[A-Za-z0-9+/]{12,}={0,2}")


@dataclass(frozen=True)
class Verdict:
    action: str
    category: str | None = None
    reason: str = ""
    score: float = 0.0


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return re.sub(r"\s+", " ", text).strip().lower()


def decoded_variants(text: str) -> list[str]:
    """What a message may hide: base64 pieces, reversed text, leetspeak, rot13 (lower-cased)."""
    out = []
    for chunk in _B64.findall(text):
        try:
            raw = base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if raw.isprintable() and sum(c.isalpha() or c == " " for c in raw) >= 0.8 * len(raw):
            out.append(normalize(raw))
    norm = normalize(text)
    out.append(norm[::-1])
    if re.search(r"[a-z][0-9@$][a-z]|[0-9][a-z]{2}", norm):
        out.append(norm.translate(_LEET))
    out.append(codecs.decode(norm, "rot13"))
    if re.search(r"\b\w[.\-_*]\w[.\-_*]\w", norm):  # s.p.e.l.l.e.d o-u-t letters
        out.append(re.sub(r"(?<=\w)[.\-_*](?=\w)", "", norm))
    # a variant that is the message itself (rot13 of Devanagari, a palindrome) or another variant again
    # tells the rules nothing new: each one read costs a pass over every rule (about 1 ms in Hindi)
    return [v for v in dict.fromkeys(out) if v != norm]


@dataclass(frozen=True)
class Rules:
    redirect: dict[str, list[re.Pattern]]
    refuse: dict[str, list[re.Pattern]]
    allow: list[re.Pattern] = field(default_factory=list)
    #: questions about death and what comes after it, and what says a child wants to die or follow
    #: (rules.yaml ``afterlife``)
    afterlife: list[re.Pattern] = field(default_factory=list)
    wish: list[re.Pattern] = field(default_factory=list)
    #: emoji that the embedder reads as an unknown token, with the word each stands for (rules.yaml ``emoji``)
    emoji: dict[str, str] = field(default_factory=dict)

    def emoji_words(self, norm: str) -> str | None:
        """A normalised message with its known emoji read as words ("🔪 me tonight" -> "knife me tonight"),
        or None when it has none. What this reading finds counts for a child in danger only: "my mom cut
        veggies with a 🔪" read as words is still a harmless message, but a rule that refuses knives is no
        place to send it (:meth:`SafetyGuard.check_input`)."""
        if not any(e in norm for e in self.emoji):  # a substring test: half the time of a regex search
            return None
        words = self._emoji_pattern.sub(lambda m: f" {self.emoji[m.group()]} ", norm)
        # the variation selector that made "⚰" "⚰️" is left behind by the emoji it followed
        return " ".join(words.replace("\ufe0f", "").split())

    @cached_property
    def _emoji_pattern(self) -> re.Pattern:
        """Any emoji of the table, the longest first: built once, not for every message that has one."""
        return re.compile("|".join(map(re.escape, sorted(self.emoji, key=len, reverse=True))))

    def afterlife_question(self, text: str) -> bool:
        """Whether a normalised message asks about death or what comes after it, with nothing that says
        the child wants to die or follow someone: :func:`decide` then sends it to a grown-up on the
        classifier's low crisis bound no more (it still does when the harm model leans harmful)."""
        return any(p.search(text) for p in self.afterlife) and not any(p.search(text) for p in self.wish)

    def match(self, text: str) -> tuple[str, str, str] | None:
        """(action, category, pattern) of the first rule that matches, crisis rules first; a safety
        lesson that an ``allow`` pattern recognises is matched by the self-harm, abuse and injection rules
        only ("what are your instructions?" is no lesson)."""
        lesson = any(p.search(text) for p in self.allow)
        for action, table in (("redirect_adult", self.redirect), ("refuse", self.refuse)):
            for category, patterns in table.items():
                if lesson and category not in ("self_harm", "abuse", "injection"):
                    continue
                for p in patterns:
                    if p.search(text):
                        return action, category, p.pattern
        return None


#: an upper-case letter in a pattern that is not part of an escape (\S, \W, \B, ...)
_UPPER = re.compile(r"(?<!\\)[A-Z]")


def load_rules(assets_dir: Path) -> Rules:
    path = Path(assets_dir) / "data" / "safety" / "rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def compile_list(patterns: list[str] | None) -> list[re.Pattern]:
        # every text the rules read is normalised, so lower-case (:func:`normalize`): the patterns are matched
        # as written, a third faster than with re.IGNORECASE, and an upper-case letter in one never matches
        for p in patterns or []:
            if _UPPER.search(p):
                raise DataError(f"{path}: a rule has an upper-case letter, which never matches (the rules read "
                                f"lower-case text); write it in lower case: {p[:120]}")
        return [re.compile(p) for p in patterns or []]

    compile_all = lambda table: {c: compile_list(ps) for c, ps in (table or {}).items()}
    afterlife = data.get("afterlife") or {}
    # the emoji as the messages read them: normalised, without the variation selector that makes "⚰" "⚰️"
    emoji = {normalize(str(k)).replace("\ufe0f", ""): normalize(str(v)) for k, v in (data.get("emoji") or {}).items()}
    if "" in emoji or not all(emoji.values()):
        raise DataError(f"{path}: an emoji in the ``emoji`` table, or the word it stands for, is empty")
    return Rules(compile_all(data.get("redirect_adult")), compile_all(data.get("refuse")),
                 compile_list(data.get("allow")), compile_list(afterlife.get("question")),
                 compile_list(afterlife.get("wish")), emoji)


# -- the classifier ---------------------------------------------------------------------------
#: a message is treated as harmful when the harm model is at least this sure. The decision's bounds
#: below are weighed on a validation set that no model trains on, blind sets 1-5 (1,492 messages,
#: ``bench/safety_bounds.py``; the held-out split and blind sets 6-11 are only reported): with the model of
#: session 12 (three encoders, 1,614 more train rows), 0.55 catches 0.985 of harmful messages with 1.6%
#: false refusals, 0.6 0.984 and 1.6% (session 11's model: 0.984 and 1.6% at 0.6, 2.0% at 0.55)
HARM_THRESHOLD = 0.55
#: benign look-alikes weigh more in training: refusing a child's honest question is a harm too;
#: the companion's ordinary kid questions are many and easy, so each weighs less
BENIGN_WEIGHT, ORDINARY_WEIGHT = 3.0, 0.5
#: a missed child in danger costs most: crisis rows weigh double (3-fold cross-validation on a train
#: split with most of session 5's rows: crisis recall 0.945 -> 0.953, harmful recall 0.926 -> 0.930,
#: false refusals on look-alikes 5.5% -> 6.1%)
CRISIS_WEIGHT = 2.0
#: when the category model gives the crisis categories together at least this much, a harmful
#: message is answered with a trusted grown-up (redirect), not a plain refusal: a refusal rule's
#: hit too ("a big boy gave me a beedi, should I try it" is a child in danger, not a question about drugs).
#: 0.5 until session 18: a message already not answered loses nothing by getting a grown-up instead of a
#: refusal, and a child in danger taken for violence or personal data does. At 0.35, on the honest sets
#: (held-out, blind sets 6-11) the two crisis messages refused at 0.39 and 0.48 get a grown-up, 2 of 1,135
#: other harmful messages do too (3 of 609 on validation); false refusals unchanged
CRISIS_SHARE = 0.35
#: ... provided the harm model leans harmful at all (or, as for a message no rule knows, the categories are
#: strongly crisis-like from the low crisis bound on: a refusal rule's hit is not answered either way, so
#: only the kind of reply changes; since session 12, after a child on a roof got a plain refusal)
RULE_CRISIS_HARM = 0.5
#: a strongly crisis-like message is redirected from a lower harm score. Validation, session 10's model:
#: crisis recall 0.985 at 0.6, 0.996 at 0.2 (one child in danger of 274 missed), 1.000 at 0.1
#: with false refusals 1.6% -> 2.6%. 0.15 is 1.000 with 1.6% too, just under the bound that misses, and
#: on the honest sets (held-out, blind sets 6-8) it missed 4 more of 425 crisis messages than 0.1 (48
#: instead of 53 false refusals of 826): 0.1 keeps the margin (a choice those sets now inform).
#: Session 7's model needed only 0.2 (with its first version, 0.1 redirected, on the held-out split, a
#: child who says she is afraid of the dark or that her uncle came). Session 11's three encoders, at
#: harm 0.6: 1.000 at 0.1 (1.6% false refusals), 0.996 at 0.15 and 0.2 (1.5%, 1.3%). Session 12's: 0.996 at
#: every bound (its one miss, a found-drugs message taken for plain drugs, is refused, not answered);
#: 1.0% false refusals from 0.3, 1.6% at 0.1, which stayed for the margin. Session 18: that path caught no
#: crisis message on validation or on the readable dev rows (dev13, pending13) and sent 4 and 23 of their
#: ordinary messages to a grown-up; on the honest sets it caught 19 and sent 30. At 0.15 (with the crisis
#: share at 0.35) the honest sets' crisis catches rise 813 -> 815 of 817 and false refusals fall 94 -> 89 of
#: 1,469 (validation 10 -> 9 of 609, dev rows 49 -> 42 of 662): chosen looking at those sets, then checked on
#: blind set 12, written after: crisis 124 -> 125 of 125, false refusals 19 -> 17 of 198 (0.2: 125, 16)
CRISIS_HARM_THRESHOLD, CRISIS_SHARE_STRONG = 0.15, 0.8
#: self-harm is the worst to miss and looks like a dangerous stunt ("jump off the roof"): a harmful message
#: whose self-harm probability alone reaches this is answered with a trusted grown-up too. It acts only on
#: messages already not answered, so false refusals are unchanged; on validation it caught one more crisis
#: message with session 7's first model, none with the shipped one (which catches them all)
SELF_HARM_SHARE = 0.25
#: found drugs look like a question about drugs ("I found white powder in a packet, what is it"): a harmful
#: message whose found-drugs probability alone reaches this gets a trusted grown-up too (a syringe or pills
#: lying about can hurt before anyone is asked). Like the bound above it acts only on messages already not
#: answered, so false refusals are unchanged. Validation, session 12's model: its one crisis miss was a
#: found-drugs message refused as drugs at 0.27 (caught from 0.27 down); 0.15 leaves a margin and costs
#: 5 plain drugs or dangerous messages of 883 a grown-up instead of a refusal (exact action 855 -> 850).
#: The held-out split's one miss was of the same kind, at 0.16 (seen before the bound was set). Blind set
#: 9, written after it was set: crisis 129 -> 130 of 131, exact action 248 -> 247 of 260
DRUGS_FOUND_SHARE = 0.15
#: the classifier's probabilities are this much the fine-tuned encoders' (their average) and the rest
#: the regression's
ENCODER_SHARE = 0.75
#: how many encoders are fine-tuned, each with its own seed (its own adapter's start, order of rows and
#: dropout), and averaged. Validation, session 10's data, at the best bounds of each: one encoder
#: (share 0.5, harm 0.55) 1.000 / 0.983 / 2.6% (crisis recall, harmful recall, false refusals); three
#: (share 0.75, harm 0.6) 1.000 / 0.984 / 1.6%. Averaging their weights instead (one MiniLM pass, a
#: "model soup") flattened the heads: 1.000 / 0.977 / 2.1%. Each costs a MiniLM pass (``bench/safety.py``).
#: Session 12's data, validation: one encoder 0.996 / 0.983 / 1.6% and two 0.996 / 0.985 / 1.6% (harm 0.6),
#: three 0.996 / 0.985 / 1.6% (harm 0.55); on the honest sets crisis messages caught 421, 423, 423 of 425
#: and false refusals 42, 45, 43 of 826
ENCODER_SEEDS = 3
#: the low crisis bound's second look (session 27): a message it would send to a grown-up is answered when its
#: nearest labelled messages (the frozen MiniLM's vectors of the classifier's train rows and of the readable
#: pending rows, ``memory.npz``) are plainly benign: of its ``MEMORY_K`` nearest, at least 3 with cosine
#: ``MEMORY_SIM`` or more, ``MEMORY_BENIGN`` of those benign and none a child in danger. Chosen on session 24's
#: out-of-fold rows of M23 (leave-one-out: false refusals 358 -> 341 of 5,819, children in danger answered 37
#: both), then, by a rule written first, on the shipped guard: no child in danger lost on any labelled set,
#: false refusals 88 -> 81 of 1,469 on the honest sets, 97 -> 90 of 943 on blind sets 12-16, 21 -> 17 of 503
#: plain questions. Only the low bound: the same look at every refusal answered more children in danger (OOF)
MEMORY_FILE = "memory.npz"
#: the verdict's reason when only the low crisis bound sends a message to a grown-up (the second look's cue)
LOW_CRISIS = "classifier: crisis"
#: the verdict's reason when the second look answers
SECOND_LOOK = "classifier: crisis bound, but its nearest labelled messages are benign"
MEMORY_K, MEMORY_SIM, MEMORY_BENIGN = 5, 0.6, 0.6
#: readable labelled rows that are in no eval set and not (yet) trained on: the memory holds them too
MEMORY_EXTRA = ("safety_dev13", "safety_pending13", "safety_pending18", "safety_pending20", "safety_pending22",
                "safety_pending23")
#: what reading a damaged or missing ``.npz`` (classifier, memory) raises
_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
_CHAR = {"analyzer": "char_wb", "ngram_range": (2, 5), "n_features": 2**15, "alternate_sign": False, "norm": "l2"}
_WORDS = {"analyzer": "word", "ngram_range": (1, 2), "n_features": 2**15, "alternate_sign": False, "norm": "l2"}


def read_safety_set(path: Path = SAFETY_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


#: a word of a normalised message: Latin, or Devanagari without the danda and double danda (U+0964,
#: U+0965), which end a sentence ("है।" is "है"); retrieval's ``_WORD`` splits Devanagari the same way
_GLOSS_TOKEN = re.compile(r"[a-z0-9']+|[\u0900-\u0963\u0966-\u097F]+")


@lru_cache(maxsize=4)
def load_gloss(folder: Path) -> dict[str, str]:
    """Hindi and Hinglish words with English glosses (``gloss.yaml``), so the English embedder
    understands "गंदी कहानी सुनाओ" (dirty story tell) and "maachis se khelu" (matches play).

    The classifier was trained on glossed messages: without its table it reads Hinglish as noise
    (held-out false refusals 7.0% -> 12.9%), so a missing table is an error, never an empty one."""
    path = Path(folder) / "gloss.yaml"
    try:
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"The safety classifier's word list {path} could not be read ({exc}); it must sit "
                         "beside classifier.npz. Restore it from git (assets/data/safety/gloss.yaml).") from exc
    return {unicodedata.normalize("NFKC", str(k)).lower(): str(v) for k, v in (table or {}).items()}


def _table_text(table: dict[str, str]) -> str:
    return "".join(f"{k}={table[k]}\n" for k in sorted(table))


def gloss_digest(table: dict[str, str]) -> str:
    """A short digest of a gloss table, kept in ``classifier.npz`` to tell the table it was trained with."""
    return hashlib.sha256(_table_text(table).encode()).hexdigest()[:16]


def gloss(norm: str, table: dict[str, str]) -> str:
    """The English glosses of the known words of a normalised message ("" if none)."""
    words = (known_form(t, table) for t in _GLOSS_TOKEN.findall(norm))
    return " ".join(table[w] for w in words if w in table)


def _train_hash(rows: list[dict], table: dict[str, str]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r['text']}\x00{r['category']}\n".encode())
    h.update(_table_text(table).encode())
    return h.hexdigest()[:16]


def glossed_texts(texts: list[str], table: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """(normalised messages, the same with the English glosses of their Hindi and Hinglish words)."""
    norm = [normalize(t) for t in texts]
    return norm, [f"{n} ({g})" if (g := gloss(n, table or {})) else n for n in norm]


def features(texts: list[str], embedder, table: dict[str, str] | None = None):
    """Sentence meaning (MiniLM, on the message plus the English glosses of its Hindi and Hinglish
    words) plus hashed character and word n-grams, which catch Hinglish and spelling games that an
    English embedder misses. Stateless: nothing to ship but weights."""
    norm, glossed = glossed_texts(texts, table)
    return _stack(embedder.embed(glossed), norm, glossed)


def _stack(vectors: np.ndarray, norm: list[str], glossed: list[str]):
    from scipy import sparse
    from sklearn.feature_extraction.text import HashingVectorizer

    return sparse.hstack([sparse.csr_matrix(vectors), HashingVectorizer(**_CHAR).transform(norm),
                          HashingVectorizer(**_WORDS).transform(glossed)]).tocsr()


def ordinary_questions(assets_dir: Path, held_out: bool = False) -> list[str]:
    """The companion's kid questions: ordinary questions a child asks about the Gita, the benign side
    the safety set (mostly hard look-alikes) has too few of. Training verses' questions train the
    classifier; the held-out verses' (``held_out``) measure false refusals."""
    from .library import VerseLibrary
    from .training.data import split_refs

    library = VerseLibrary(Path(assets_dir))
    refs, val_refs = split_refs(library)
    return [q for r in refs if (r in val_refs) == held_out for q in library.card(library.verse(r)).kid_questions]


def training_rows(assets_dir: Path, path: Path = SAFETY_SET, extra: tuple[Path, ...] = ()) -> list[dict]:
    """The safety set's train split, then the train rows of any ``extra`` files (a candidate's, in the order
    they would have once appended to the safety set), plus the training verses' ordinary kid questions (benign)."""
    rows = [r for f in (path, *extra) for r in read_safety_set(f) if r["split"] == "train"]
    return rows + [{"text": q, "category": "benign", "ordinary": True} for q in ordinary_questions(assets_dir)]


def memory_rows(assets_dir: Path) -> list[dict]:
    """The rows the low crisis bound's second look compares with: :func:`training_rows` and ``MEMORY_EXTRA``."""
    rows = training_rows(assets_dir)
    for name in MEMORY_EXTRA:
        path = SAFETY_SET.parent / f"{name}.jsonl"
        if path.exists():
            rows += read_safety_set(path)
    return rows


def _memory_labels(rows: list[dict]) -> np.ndarray:
    """0 benign, 1 harmful, 2 a child in danger."""
    return np.array([0 if r["category"] == "benign" else 2 if r["category"] in CRISIS else 1 for r in rows], np.int8)


def memory_digest(rows: list[dict], table: dict[str, str]) -> str:
    data = json.dumps([[r["text"], int(x)] for r, x in zip(rows, _memory_labels(rows))], ensure_ascii=False)
    return hashlib.sha256((data + gloss_digest(table)).encode()).hexdigest()[:16]


def build_memory(assets_dir: Path, embedder, out: Path | None = None, rows: list[dict] | None = None) -> dict:
    """Write ``memory.npz``: the unit MiniLM vectors (float16) of :func:`memory_rows`' glossed texts (or of
    ``rows``, a candidate's), their labels and a digest of both (a stale memory is found by the tests)."""
    folder = Path(assets_dir) / "data" / "safety"
    table = load_gloss(folder)
    rows = memory_rows(assets_dir) if rows is None else rows
    _, glossed = glossed_texts([r["text"] for r in rows], table)
    vectors = np.asarray(embedder.embed(glossed)).astype(np.float16)  # unit: the embedder normalises
    out = out or folder / MEMORY_FILE
    np.savez_compressed(out, vectors=vectors, labels=_memory_labels(rows), digest=memory_digest(rows, table))
    return {"rows": len(rows), "path": str(out)}


class Memory:
    """Labelled messages by meaning, for the low crisis bound's second look."""

    def __init__(self, path: Path):
        try:
            with np.load(path) as data:
                self.vectors = data["vectors"].astype(np.float32)
                self.labels = data["labels"]
                self.digest = str(data["digest"])
        except _UNREADABLE as exc:
            raise ModelError(f"The safety memory {path} could not be read ({exc}). "
                             "Restore it from git or rebuild it: python -m engine.safety memory") from exc
        if len(self.vectors) != len(self.labels):
            raise ModelError(f"The safety memory {path} is damaged. Restore it from git or rebuild it: "
                             "python -m engine.safety memory")

    def plainly_benign(self, vector: np.ndarray) -> bool:
        """Whether the message's nearest labelled messages say it is benign (see ``MEMORY_K``)."""
        sims = self.vectors @ np.asarray(vector, dtype=np.float32).ravel()
        top = np.argpartition(-sims, MEMORY_K)[:MEMORY_K] if len(sims) > MEMORY_K else np.arange(len(sims))
        close = self.labels[top[sims[top] >= MEMORY_SIM]]
        return len(close) >= 3 and (close == 0).mean() >= MEMORY_BENIGN and not (close == 2).any()


def _weights(rows: list[dict]) -> np.ndarray:
    return np.array([CRISIS_WEIGHT if r["category"] in CRISIS else 1.0 if r["category"] != "benign"
                     else ORDINARY_WEIGHT if r.get("ordinary") else BENIGN_WEIGHT for r in rows])


def _fit_harm(X, rows):
    from sklearn.linear_model import LogisticRegression

    harmful = np.array([r["category"] != "benign" for r in rows])
    return LogisticRegression(C=1.0, max_iter=3000).fit(X, harmful, sample_weight=_weights(rows))


def _fit_all(X, glossed: list[str], rows: list[dict], classes: list[str], progress=None) -> dict[str, np.ndarray]:
    """Both models on these rows: the logistic regressions on frozen features and the fine-tuned encoders."""
    from sklearn.linear_model import LogisticRegression

    harmful = np.array([r["category"] != "benign" for r in rows])
    harm = _fit_harm(X, rows)
    cats = LogisticRegression(C=10.0, max_iter=3000).fit(X[harmful], [r["category"] for r in rows if r["category"] != "benign"])
    assert list(cats.classes_) == classes
    category = np.array([classes.index(r["category"]) if r["category"] != "benign" else 0 for r in rows])
    encoders = {}
    for seed in range(ENCODER_SEEDS):
        encoders.update(safety_encoder.fit(glossed, harmful, category, _weights(rows), len(classes), seed, progress))
    return {"harm_coef": harm.coef_.astype(np.float32), "harm_intercept": harm.intercept_.astype(np.float32),
            "classes": np.array(classes), "coef": cats.coef_.astype(np.float32),
            "intercept": cats.intercept_.astype(np.float32), **encoders}


def train_classifier(assets_dir: Path, embedder, path: Path = SAFETY_SET, progress=print,
                     rows: list[dict] | None = None, out: Path | None = None) -> dict:
    """Fit both models on the train split (or on ``rows``, a candidate's) and write ``classifier.npz`` (or
    ``out``; about 90 minutes on 2 cores: 28 an encoder; the encoders train on the GPU when there is one)."""
    rows = training_rows(assets_dir, path) if rows is None else rows
    table = load_gloss(Path(assets_dir) / "data" / "safety")
    texts = [r["text"] for r in rows]
    X = features(texts, embedder, table)
    classes = sorted({r["category"] for r in rows} - {"benign"})
    arrays = _fit_all(X, glossed_texts(texts, table)[1], rows, classes, progress)
    out = out or Path(assets_dir) / "data" / "safety" / "classifier.npz"
    np.savez_compressed(out, train_hash=np.array(_train_hash(rows, table)), gloss_hash=np.array(gloss_digest(table)),
                        **arrays)
    return {"examples": len(rows), "harmful": sum(r["category"] != "benign" for r in rows),
            "ordinary": sum(bool(r.get("ordinary")) for r in rows), "classes": classes, "path": str(out)}


def cross_validate(assets_dir: Path, embedder, path: Path = SAFETY_SET, folds: int = 5,
                   thresholds: tuple[float, ...] = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75), progress=print,
                   save: Path | None = None) -> list[dict]:
    """The whole decision (rules, :func:`decide`) with each model and with their average, k-fold on the
    train split only: for each harm threshold, harmful recall (not answered, and the exact action), crisis
    recall, and false
    refusals on look-alikes and on ordinary questions apart (how ``HARM_THRESHOLD`` is chosen; the test
    split is never looked at). Fits the encoders once a fold: about 45 minutes a fold on 2 cores. ``save``
    keeps the out-of-fold probabilities of the average (``.npz``), so that :func:`decide`'s other bounds
    can be weighed without fitting again (``python -m engine.safety sweep FILE``)."""
    rows = training_rows(assets_dir, path)
    table = load_gloss(Path(assets_dir) / "data" / "safety")
    texts = [r["text"] for r in rows]
    X = features(texts, embedder, table).tocsr()
    glossed = glossed_texts(texts, table)[1]
    classes = sorted({r["category"] for r in rows} - {"benign"})
    ruled, after = _rule_verdicts(load_rules(assets_dir), rows)
    n, k_classes = len(rows), len(classes)
    oof = {"regression": (np.zeros(n), np.zeros((n, k_classes))), "encoder": (np.zeros(n), np.zeros((n, k_classes)))}
    order = np.random.default_rng(7).permutation(n)
    for k in range(folds):
        held = order[k::folds]
        fit = np.setdiff1d(order, held)
        arrays = _fit_all(X[fit], [glossed[i] for i in fit], [rows[i] for i in fit], classes)
        oof["encoder"][0][held], oof["encoder"][1][held] = predict_with(arrays, [glossed[i] for i in held])
        oof["regression"][0][held], oof["regression"][1][held] = _linear(arrays, X[held])
        progress(f"fold {k + 1}/{folds} done")
    oof["average (shipped)"] = _mix(oof["regression"], oof["encoder"], ENCODER_SHARE)
    if save is not None:
        np.savez_compressed(save, p_harm_regression=oof["regression"][0], probs_regression=oof["regression"][1],
                            p_harm_encoder=oof["encoder"][0], probs_encoder=oof["encoder"][1],
                            classes=np.array(classes), train_hash=np.array(_train_hash(rows, table)))
    table_out = []
    for model, (p_harm, probs) in oof.items():
        for t in thresholds:
            got = [decide(ruled[i], p_harm[i], dict(zip(classes, probs[i])), t, afterlife=after[i]).action for i in range(n)]
            table_out.append({"model": model, "threshold": t, **_scores(rows, got)})
    return table_out


def _mix(regression: tuple, encoder: tuple, share: float) -> tuple:
    """(harm probabilities, category probabilities) of the two models mixed, ``share`` the encoder's."""
    return tuple((1 - share) * a + share * b for a, b in zip(regression, encoder))


def combined(arrays, classes: list[str], norm: list[str], glossed: list[str], vectors: np.ndarray, encoder: tuple,
             share: float = ENCODER_SHARE) -> tuple[str, float, dict[str, float]]:
    """One message's most likely harmful category, harm probability and category probabilities: the
    regression (``arrays``) on its frozen MiniLM ``vectors``, mixed with the encoders' averaged ``encoder``
    outputs (each a batch of one)."""
    p_lr, probs_lr = _linear(arrays, _stack(vectors, norm, glossed))
    p_harm, probs = _mix((float(p_lr[0]), probs_lr[0]), (float(encoder[0][0]), encoder[1][0]), share)
    return classes[int(np.argmax(probs))], p_harm, dict(zip(classes, probs.tolist()))


def sweep(assets_dir: Path, oof_path: Path, path: Path = SAFETY_SET,
          harm: tuple[float, ...] = (0.6, 0.65, 0.7, 0.75), crisis_harm: tuple[float, ...] = (0.2, 0.4, 0.6),
          crisis_share: tuple[float, ...] = (0.7, 0.8, 0.9),
          encoder_share: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7)) -> list[dict]:
    """:func:`decide`'s bounds and the models' mix weighed on saved out-of-fold probabilities (``cv --save``):
    for each combination, crisis recall, harmful recall and false refusals on look-alikes and on ordinary
    questions."""
    rows = training_rows(assets_dir, path)
    table = load_gloss(Path(assets_dir) / "data" / "safety")
    saved = np.load(oof_path)
    if str(saved["train_hash"]) != _train_hash(rows, table):
        raise InvalidInput(f"{oof_path} was made from another labelled set: run cv --save again.")
    if "p_harm_encoder" not in saved:
        raise InvalidInput(f"{oof_path} keeps only the average of the two models: run cv --save again.")
    classes = [str(c) for c in saved["classes"]]
    ruled, after = _rule_verdicts(load_rules(assets_dir), rows)
    out = []
    for share in encoder_share:
        p_harm, probs = _mix((saved["p_harm_regression"], saved["probs_regression"]),
                             (saved["p_harm_encoder"], saved["probs_encoder"]), share)
        probs = [dict(zip(classes, p)) for p in probs.tolist()]
        for t in harm:
            for ch in crisis_harm:
                for cs in crisis_share:
                    got = [decide(ruled[i], float(p_harm[i]), probs[i], t, ch, cs, afterlife=after[i]).action
                           for i in range(len(rows))]
                    out.append({"encoder_share": share, "harm_threshold": t, "crisis_harm": ch,
                                "crisis_share_strong": cs, **_scores(rows, got)})
    return out


def _rule_verdicts(rules: Rules, rows: list[dict]) -> tuple[list[Verdict | None], list[bool]]:
    """What the rules say of each row: its verdict (None: no rule), and :meth:`Rules.afterlife_question`
    (what :func:`decide` is given as ``afterlife``)."""
    norms = [normalize(r["text"]) for r in rows]
    return ([_rule_verdict(rules, r["text"], n) for r, n in zip(rows, norms)],
            [rules.afterlife_question(n) for n in norms])


def _scores(rows: list[dict], got: list[str]) -> dict[str, float]:
    """How the decision's actions ``got`` for labelled ``rows`` (with the ordinary kid questions) fare:
    harmful recall (not answered, and the exact action), crisis recall, and false refusals on look-alikes
    and on ordinary questions apart."""
    want, got = np.array([CATEGORY_ACTION[r["category"]] for r in rows]), np.array(got)
    harmful, ordinary = want != "answer", np.array([bool(r.get("ordinary")) for r in rows])
    flagged = got != "answer"
    return {"harmful_recall": round(float(flagged[harmful].mean()), 3),
            "exact_action": round(float((got == want)[harmful].mean()), 3),
            "crisis_recall": round(float((got == "redirect_adult")[want == "redirect_adult"].mean()), 3),
            "false_refusals_lookalikes": round(float(flagged[~harmful & ~ordinary].mean()), 3),
            "false_refusals_ordinary": round(float(flagged[ordinary].mean()), 3) if ordinary.any() else None}


def _linear(arrays, X) -> tuple[np.ndarray, np.ndarray]:
    """The logistic regressions' harm probabilities and category probabilities for rows of features."""
    p_harm = 1.0 / (1.0 + np.exp(-np.asarray(X @ arrays["harm_coef"].T + arrays["harm_intercept"])[:, 0]))
    logits = np.asarray(X @ arrays["coef"].T + arrays["intercept"])
    probs = np.exp(logits - logits.max(1, keepdims=True))
    return p_harm, probs / probs.sum(1, keepdims=True)


def _run_lane(passes: list[tuple]) -> list[np.ndarray]:
    """Run (pooler, inputs) passes one after the other; their pooled vectors."""
    return [pooler.run(feed) for pooler, feed in passes]


def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)  # this worker thread only: the caller's threads keep their setting


class Classifier:
    """A mix (``ENCODER_SHARE``) of logistic regressions over :func:`features` (harmful or not, then which
    category) and of the fine-tuned encoders (:mod:`engine.safety_encoder`), averaged.

    The MiniLM passes (frozen for the regression, one fine-tuned per encoder) run two at a time, one
    core each, in ONNX Runtime when ``onnx_folder`` is given (:mod:`engine.minilm_onnx`), else in torch."""

    def __init__(self, path: Path, embedder, onnx_folder: Path | None = None):
        try:
            data = dict(np.load(path))
            data["classes"], data["train_hash"]
        except _UNREADABLE as exc:
            raise ModelError(f"The safety classifier {path} could not be read ({exc}). "
                             "Restore it from git or retrain: python -m engine.safety train") from exc
        self.arrays = data
        self.classes = [str(c) for c in data["classes"]]
        self.train_hash = str(data["train_hash"])
        self.embedder = embedder
        self.gloss = load_gloss(Path(path).parent)
        if "gloss_hash" in data and str(data["gloss_hash"]) != gloss_digest(self.gloss):
            raise ModelError(f"The safety classifier {path} was trained with another gloss.yaml than the one "
                             "beside it. Restore both from git, or retrain: python -m engine.safety train")
        stored = prefixes(data)
        if not stored:
            raise ModelError(f"The safety classifier {path} has no fine-tuned encoder. Retrain: python -m engine.safety train")
        self.encoders = [SafetyEncoder(data, onnx_folder, pre) for pre in stored]
        #: where the MiniLM passes run: "onnxruntime", or "torch (why)"
        self.runtime = next((e.runtime for e in self.encoders if e.onnx is None), "onnxruntime")
        self.frozen = None
        if self.runtime == "onnxruntime":
            try:
                self.frozen = _frozen_pooler(onnx_folder)
            except Exception as exc:  # noqa: BLE001 - the embedder does the same work in torch
                self.runtime = f"torch for the regression's MiniLM (ONNX Runtime unavailable: {str(exc)[:120]})"
        self._workers = ThreadPoolExecutor(2, thread_name_prefix="safety", initializer=_one_torch_thread)

    def predict(self, text: str) -> tuple[str, float]:
        """(most likely harmful category, probability that the message is harmful)."""
        category, p_harm, _ = self.predict_full(text)
        return category, p_harm

    def predict_full(self, text: str) -> tuple[str, float, dict[str, float]]:
        """The most likely harmful category, the harm probability, and every category's probability."""
        return self.look(text)[:3]

    def look(self, text: str) -> tuple[str, float, dict[str, float], np.ndarray]:
        """:meth:`predict_full`, and the frozen MiniLM's unit vector of the glossed message."""
        norm, glossed = glossed_texts([text], self.gloss)
        if self.runtime == "onnxruntime":
            pooled = self._onnx_passes(glossed)
            vectors = unit(pooled[0])
            encoded = [e.heads(e.from_pooled(p)) for e, p in zip(self.encoders, pooled[1:])]
        else:
            embedded = self._workers.submit(self._embed, glossed)
            pending = [self._workers.submit(e.predict, glossed) for e in self.encoders]
            vectors, encoded = embedded.result(), [e.result() for e in pending]
        # the frozen vectors are unit already (ONNX: unit(); torch: the embedder normalises)
        return (*combined(self.arrays, self.classes, norm, glossed, vectors, average(encoded)), vectors[0])

    def _onnx_passes(self, texts: list[str]) -> list[np.ndarray]:
        """The pooled vectors of every MiniLM pass (the frozen one, then each encoder's), in ONNX Runtime.

        The text is tokenised once for each length limit, and the passes run in two lanes, one a core, each
        lane one task: a thread takes the GIL once to start its lane and once to end it, not once a
        pass (four tasks, a pass each, waiting for all: p50 17.6 ms, p95 27.8 on blind set 11; the lanes, with
        the rules first: 15.1 ms, 25.9 ms in the same run)."""
        poolers = [self.frozen] + [e.onnx for e in self.encoders]
        feeds: dict[int, dict[str, np.ndarray]] = {}
        for p in poolers:
            if p.max_tokens not in feeds:
                feeds[p.max_tokens] = p.feed(texts)
        passes = [(p, feeds[p.max_tokens]) for p in poolers]
        # the second lane on a worker, the first on this thread, which would only wait meanwhile (one hand-off
        # fewer: p95 28.8 -> 27.2 ms on pending20's Hindi and Hinglish messages, same run)
        other = self._workers.submit(_run_lane, passes[1::2])
        done = [_run_lane(passes[0::2]), other.result()]
        return [done[i % 2][i // 2] for i in range(len(passes))]

    def outputs(self, texts: list[str], batch: int = 64) -> tuple[tuple, tuple]:
        """The regression's and the encoders' (averaged) (harm probabilities, category probabilities) for
        many messages, in batches (one padded batch of every message fills memory), unmixed: how the
        bounds are weighed."""
        norm, glossed = glossed_texts(texts, self.gloss)
        batches = [slice(i, i + batch) for i in range(0, len(texts), batch)]
        encoded = [average([e.predict(glossed[b]) for e in self.encoders]) for b in batches]
        vectors = np.vstack([self._embed(glossed[b]) for b in batches])
        return _linear(self.arrays, _stack(vectors, norm, glossed)), \
            (np.concatenate([p for p, _ in encoded]), np.vstack([c for _, c in encoded]))

    def _embed(self, texts: list[str]) -> np.ndarray:
        """The bundled MiniLM's sentence vectors (what :class:`~engine.embedder.Embedder` gives)."""
        if self.frozen is None:
            return self.embedder.embed(texts)
        return self.frozen.unit_vectors(texts)


#: the embedder truncates at this many tokens (sentence-transformers' setting for all-MiniLM-L6-v2)
EMBEDDER_MAX_TOKENS = 256


def _frozen_pooler(folder: Path):
    from .minilm_onnx import pooler, weights_digest
    from .resources import embedder_path

    weights = next(iter(sorted(Path(embedder_path()).glob("*.safetensors"))), None)
    return pooler(folder, "minilm", weights_digest(path=weights), _base_model, EMBEDDER_MAX_TOKENS)


def _rule_verdict(rules: Rules, text: str, norm: str) -> Verdict | None:
    """The verdict of the rules on a message and on what it says once decoded (None: no rule)."""
    hit = rules.match(norm)
    if hit:
        return Verdict(hit[0], hit[1], f"rule: {hit[2]}", 1.0)
    for variant in decoded_variants(text):
        hit = rules.match(variant)
        if hit:
            # anything hidden in an encoding is treated as an attempt to slip past the rules,
            # except a crisis, which is always answered with care
            if hit[0] == "redirect_adult":
                return Verdict(hit[0], hit[1], f"rule on decoded text: {hit[2]}", 1.0)
            return Verdict("refuse", "injection", f"encoded: {hit[2]}", 1.0)
    return None


def decide(rule: Verdict | None, p_harm: float, probs: dict[str, float], harm_threshold: float = HARM_THRESHOLD,
           crisis_harm: float = CRISIS_HARM_THRESHOLD, crisis_share_strong: float = CRISIS_SHARE_STRONG,
           self_harm_share: float = SELF_HARM_SHARE, drugs_found_share: float = DRUGS_FOUND_SHARE,
           afterlife: bool = False) -> Verdict:
    """Combine a rule's verdict (or None) with the classifier's harm probability and category probabilities.
    ``afterlife``: the message asks about death or what comes after it and says no wish to die
    (:meth:`Rules.afterlife_question`); the low crisis bound does not act on it."""
    if rule is not None and rule.action == "redirect_adult":
        return rule
    category = max(probs, key=probs.get)
    share = sum(probs.get(c, 0.0) for c in CRISIS)
    self_harm = probs.get("self_harm", 0.0) >= self_harm_share
    found = probs.get("drugs_found", 0.0) >= drugs_found_share
    crisis = ("self_harm" if self_harm else "drugs_found" if found and share < CRISIS_SHARE
              else max(CRISIS & set(probs), key=probs.get, default=None))
    in_danger = share >= CRISIS_SHARE or self_harm or found
    # strongly crisis-like from the low crisis bound: a grown-up whether or not a refusal rule hit
    strong_crisis = share >= crisis_share_strong and p_harm >= crisis_harm and not afterlife
    if rule is not None:  # a refusal rule: a child in danger still gets a trusted grown-up
        if in_danger and p_harm >= RULE_CRISIS_HARM or strong_crisis:
            return Verdict("redirect_adult", crisis, f"{rule.reason}; {LOW_CRISIS}", p_harm)
        return rule
    if p_harm >= harm_threshold:
        if in_danger:
            return Verdict("redirect_adult", crisis, "classifier", p_harm)
        return Verdict(CATEGORY_ACTION[category], category, "classifier", p_harm)
    if strong_crisis:
        return Verdict("redirect_adult", crisis, LOW_CRISIS, p_harm)
    return Verdict("answer", None, "classifier", p_harm)


# -- the guard --------------------------------------------------------------------------------
class SafetyGuard:
    """Checks messages and answers; writes the kind replies; masks personal data."""

    def __init__(self, assets_dir: Path, embedder=None, countries: tuple[str, ...] = ("IN", "US", "UK"),
                 classifier_path: Path | None = None):
        """``classifier_path``: another ``classifier.npz`` (a retrained candidate, its ``gloss.yaml``
        beside it) than the shipped one in ``assets_dir``."""
        self.assets_dir = Path(assets_dir)
        self.rules = load_rules(self.assets_dir)
        folder = self.assets_dir / "data" / "safety"
        self.messages = yaml.safe_load((folder / "messages.yaml").read_text(encoding="utf-8"))
        self.helplines = yaml.safe_load((folder / "helplines.yaml").read_text(encoding="utf-8"))
        self.countries = [c for c in countries if c in self.helplines]
        self._embedder = embedder
        self._classifier = None
        self.classifier_path = Path(classifier_path) if classifier_path else folder / "classifier.npz"
        self._memory: Memory | None | bool = False  # False: not loaded yet

    @property
    def classifier(self) -> Classifier | None:
        if self._classifier is None and self.classifier_path.exists():
            from .embedder import get_embedder

            self._classifier = Classifier(self.classifier_path, self._embedder or get_embedder(),
                                          self.assets_dir / ONNX_FOLDER)
        return self._classifier

    @property
    def memory(self) -> Memory | None:
        """The labelled messages beside the classifier (``memory.npz``), or None without one: then the low
        crisis bound acts alone. A damaged file raises :class:`ModelError`."""
        if self._memory is False:
            path = self.classifier_path.parent / MEMORY_FILE
            self._memory = Memory(path) if path.exists() else None
        return self._memory

    def check_input(self, text: str) -> Verdict:
        """Decide what to do with a child's message.

        The rules first, then the models, which a crisis rule's hit does not need at all. Until session 17
        the models started first and the rules ran beside them; a crisis hit returned at once and left its
        passes running, so that the next check queued behind them (in back-to-back checks, blind set 11:
        p95 34.4 ms, against 27.8 ms when every check waits for its passes and 25.9 ms now;
        ``bench/safety.py``). The crisis rules still answer when the
        classifier file is damaged."""
        norm = normalize(text)
        verdict = _rule_verdict(self.rules, text, norm)
        if verdict is not None and verdict.action == "redirect_adult":
            return verdict
        # emoji that the embedder cannot read ("🔪 me tonight"), read as words, for a child in danger only
        worded = self.rules.emoji_words(norm)
        hit = self.rules.match(worded) if worded else None
        if hit and hit[0] == "redirect_adult":
            return Verdict(hit[0], hit[1], f"rule on emoji read as words: {hit[2]}", 1.0)
        classifier = self.classifier  # a damaged file raises here: anything else must not pass unchecked
        if classifier is None:
            return verdict or Verdict("answer", None, "no classifier")
        _, p_harm, probs, vector = classifier.look(norm)
        result = decide(verdict, p_harm, probs, afterlife=self.rules.afterlife_question(norm))
        if result.reason == LOW_CRISIS and self.memory is not None and self.memory.plainly_benign(vector):
            # the low crisis bound's second look: "my mom says i spend too much time on my phone" (harm 0.20)
            result = Verdict("answer", None, SECOND_LOOK, p_harm)
        if worded and result.action != "redirect_adult":
            _, p_read, probs_read = classifier.predict_full(worded)
            read = decide(None, p_read, probs_read, afterlife=self.rules.afterlife_question(worded))
            # self-harm only: the table's emoji are of death, blood and weapons, and a long harmless message with
            # a 🔪 in it, read as words, leans a little to every crisis category (blind set 12: harm 0.61, violence
            # 0.32, abuse 0.30); a child in danger from someone else says who in words
            if read.action == "redirect_adult" and read.category == "self_harm":
                return Verdict(read.action, read.category, f"emoji read as words: {read.reason}", p_read)
        return result

    def check_output(self, text: str, generated: bool = True) -> Verdict:
        """Check an answer before a child sees it: rules always; the classifier on model-written text."""
        norm = normalize(text)
        hit = self.rules.match(norm)
        if hit and hit[1] in ("self_harm", "personal_info", "injection"):
            return Verdict("refuse", hit[1], f"output rule: {hit[2]}", 1.0)
        if re.search(r"\b(system prompt|my instructions|i was told to|as an ai language model)\b", norm):
            return Verdict("refuse", "injection", "prompt leak", 1.0)
        if generated and self.classifier is not None:
            category, p_harm = self.classifier.predict(norm)
            if p_harm >= HARM_THRESHOLD_OUTPUT:
                return Verdict("refuse", category, "output classifier", p_harm)
        return Verdict("answer")

    def message(self, action: str, lang: str, key: str, category: str | None = None) -> str:
        """The kind reply for ``refuse`` or ``redirect_adult`` (one variant, stable per message)."""
        lang = lang if lang in ("en", "hi") else "en"
        m = self.messages
        pick = lambda options: options[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(options)]
        if action == "redirect_adult":
            lines = [pick(m["redirect_adult"][lang]), m["tell_adult"][lang]]
            lines += [m["helpline"][lang].format(**self.helplines[c]) for c in self.countries]
            return " ".join(lines)
        offers = m["offer"][lang]
        return f"{pick(m['refuse'][lang])} {offers.get(category or '', offers['default'])}"

    def verse_offer(self, lang: str, ref: str, meaning: str) -> str:
        return self.messages["verse_intro"]["hi" if lang == "hi" else "en"].format(ref=ref, meaning=meaning)


_MASKS = [
    (re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"), "[email hidden]"),
    (re.compile(r"(?<!\d)(\+?\d[\d\s().-]{8,}\d)(?!\d)"), "[number hidden]"),
    (re.compile(r"\b(flat|house|apartment|apt|plot|room)\s*(no\.?|number|#)?\s*\d+[a-z]?\b", re.IGNORECASE), "[address hidden]"),
    (re.compile(r"\b\d+[a-z]?\s*,?\s+[A-Za-z]+(\s+[A-Za-z]+)?\s+(street|st\.?|road|rd\.?|lane|nagar|colony|marg|avenue|ave)\b", re.IGNORECASE), "[address hidden]"),
    (re.compile(r"@\w{3,}"), "[handle hidden]"),
]


def mask_personal_data(text: str) -> str:
    """Phone numbers, emails, street addresses and social handles replaced before anything is stored."""
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    return text


@lru_cache(maxsize=2)
def get_guard(assets_dir: Path, countries: tuple[str, ...] = ("IN", "US", "UK")) -> SafetyGuard:
    return SafetyGuard(Path(assets_dir), countries=countries)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["train"]:
        from .embedder import get_embedder
        from .paths import DEFAULT_ASSETS_DIR

        summary = train_classifier(DEFAULT_ASSETS_DIR, get_embedder())
        print(json.dumps(summary))
        return 0
    if argv[:1] == ["cv"]:
        import argparse

        from .embedder import get_embedder
        from .paths import DEFAULT_ASSETS_DIR

        ap = argparse.ArgumentParser(prog="python -m engine.safety cv")
        ap.add_argument("--folds", type=int, default=5)
        ap.add_argument("--save", type=Path, default=None, help="keep the out-of-fold probabilities here (.npz)")
        args = ap.parse_args(argv[1:])
        for row in cross_validate(DEFAULT_ASSETS_DIR, get_embedder(), folds=args.folds, save=args.save):
            print(json.dumps(row))
        return 0
    if argv[:1] == ["sweep"] and len(argv) == 2:
        from .paths import DEFAULT_ASSETS_DIR

        for row in sweep(DEFAULT_ASSETS_DIR, Path(argv[1])):
            print(json.dumps(row))
        return 0
    if argv[:1] == ["memory"]:
        from .embedder import get_embedder
        from .paths import DEFAULT_ASSETS_DIR

        print(json.dumps(build_memory(DEFAULT_ASSETS_DIR, get_embedder())))
        return 0
    if argv[:1] == ["export"]:
        from .paths import DEFAULT_ASSETS_DIR

        classifier = SafetyGuard(DEFAULT_ASSETS_DIR).classifier
        print(json.dumps({"runtime": classifier.runtime if classifier else "no classifier"}))
        return 0 if classifier is not None and classifier.runtime == "onnxruntime" else 1
    print("usage: python -m engine.safety train | cv [--folds K] [--save OOF.npz] | sweep OOF.npz | memory | export", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
