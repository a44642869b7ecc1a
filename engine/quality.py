"""Quality gates for generated text: loops, repeated phrases, echoes, invented names and numbers,
meta-talk, length. A tiny model's sentence is shown to a child only after it passes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z\u0900-\u097F']+|\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?।])\s+|(?<=[.!?।]['’\"”])\s+")
#: words a sentence may use with a capital letter without them being in the sources
COMMON_NAMES = {
    "I", "I'm", "I'll", "I've", "I'd", "God", "Krishna", "Arjuna", "Gita", "Bhagavad", "Lord", "You", "Your",
    "We", "It", "That", "This", "The", "A", "An", "And", "But", "So", "If", "When", "Be", "Do", "Let", "Try",
}
#: things a helper for children must not say about itself or the prompt
META_PATTERNS = re.compile(
    r"\b(the child|as an ai|language model|system prompt|instructions?|assistant|teacher talking|"
    r"i'?m not a|my name is|smollm|hugging ?face|the user|the question|the answer to|facts given|"
    r"sorry for your loss|beautiful example|chosen by the gods|lesson to share|the lesson|"
    r"i'?m (afraid|scared|angry|sad|lonely|worried|nervous) (of|about|at|when)|i (am|feel) (so )?(afraid|scared|angry|"
    r"sad|lonely|worried|nervous))\b",
    re.IGNORECASE,
)
#: a word must occur at least this often in the spelling dictionary's frequency list to count as real
MIN_WORD_FREQUENCY = 50
#: a sentence that ends on one of these stopped in the middle ("a garden of flowers was.")
DANGLING = {"a", "an", "the", "and", "but", "or", "of", "to", "very", "with", "at", "from", "into", "was", "were",
            "is", "are", "had", "his", "their", "my", "your", "our", "its", "so", "than", "because"}


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def repeated_ngram_rate(text: str, n: int = 4) -> float:
    """Share of n-grams that occur more than once (0 for fresh text, near 1 for a loop)."""
    grams = ngrams(words(text), n)
    if not grams:
        return 0.0
    counts = Counter(grams)
    return sum(c for c in counts.values() if c > 1) / len(grams)


def has_loop(text: str) -> bool:
    toks = words(text)
    tri = Counter(ngrams(toks, 3))
    if tri and max(tri.values()) >= 3:
        return True
    seen = [s.lower() for s in sentences(text)]
    return len(seen) != len(set(seen))


def jaccard(a: str, b: str) -> float:
    sa, sb = set(words(a)), set(words(b))
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


@dataclass
class GateContext:
    """What a generated sentence may draw on."""

    question: str
    sources: str
    max_words: int = 28
    extra_names: set[str] = field(default_factory=set)
    #: a sentence the answer shows anyway (the verse's big idea): saying it twice is an echo, not an opener
    shown_anyway: str = ""


#: a sentence of the small model that says what Krishna, Arjuna, God or the Gita said, did or are: the verse
#: below the opener speaks for them. GitaGPT wrote "Krishna was born from a chariot", "Keshet wrote the Gita"
#: and "Animals go to heaven, and Krishna says he will come into it for them", and each passed every other check
SPEAKS_FOR_THE_GITA = re.compile(
    r"\b(krishna|krsna|arjuna?|gita|geeta|bhagavad|god|gods|lord|sanjaya|dhritarashtra|pandavas?|kauravas?|"
    r"duryodhana|bhishma|drona|yudhishthira|bhima|vyasa|vedas?|brahman|vishnu|shiva|heaven|hell|soul|souls|"
    r"reborn|rebirth|born|scripture)\b",
    re.IGNORECASE,
)


def speaks_for_the_gita(sentence: str) -> bool:
    """Whether a model sentence makes a claim about the Gita's people, God or the hereafter (see
    :data:`SPEAKS_FOR_THE_GITA`); the chat shows the model's sentence only when it does not."""
    return bool(SPEAKS_FOR_THE_GITA.search(sentence))


def sentence_problems(sentence: str, ctx: GateContext, before: str = "") -> list[str]:
    """Reasons this sentence must not be shown (empty when it passes)."""
    problems = []
    toks = words(sentence)
    if len(toks) < 3:
        problems.append("too short")
    if len(toks) > ctx.max_words:
        problems.append("too long for a child")
    if not re.search(r"[.!?।]$", sentence.strip()):
        problems.append("unfinished")
    if sentence.strip().endswith("?"):
        problems.append("asks instead of answering")
    if META_PATTERNS.search(sentence):
        problems.append("meta-talk")
    if jaccard(sentence, ctx.question) > 0.6:
        problems.append("echoes the question")
    if ctx.shown_anyway and jaccard(sentence, ctx.shown_anyway) > 0.6:
        problems.append("repeats the big idea shown below it")
    if has_loop(before + " " + sentence) or repeated_ngram_rate(before + " " + sentence, 3) > 0.15:
        problems.append("repeats itself")
    allowed_numbers = set(re.findall(r"\d+(?:\.\d+)?", ctx.question + " " + ctx.sources))
    if any(n not in allowed_numbers for n in re.findall(r"\d+(?:\.\d+)?", sentence)):
        problems.append("made-up number")
    known = set(words(ctx.question + " " + ctx.sources))
    for i, token in enumerate(re.findall(r"[A-Za-z']+", sentence)):
        # the first word is capitalised anyway: it is a name only when it is no English word either
        # ("Keshet wrote the Gita", "Harman means the work done by nature" passed before)
        if token[0].isupper() and token not in COMMON_NAMES | ctx.extra_names and token.lower() not in known \
                and (i > 0 or made_up_words(token)):
            problems.append(f"invented name {token}")
            break
    if re.search(r"[<>{}\[\]|#*_`\\]", sentence):
        problems.append("markup")
    return problems


@lru_cache(maxsize=1)
def _word_frequency():
    from spellchecker import SpellChecker  # pyspellchecker: an English frequency list, bundled in the wheel

    return SpellChecker(distance=1).word_frequency


def made_up_words(text: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Words that are not English (a tiny model under a grammar sometimes glues or cuts words:
    "beinglost", "herotardica"); names and words in ``allowed`` pass."""
    freq = _word_frequency()
    ok = {a.lower() for a in allowed}
    found = []
    for w in re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", text):
        low = w.lower()
        base = low.removesuffix("'s")
        us = base.replace("our", "or").replace("ise", "ize")  # British spellings: favourite, colour, realise
        if base in ok or freq[low] >= MIN_WORD_FREQUENCY or freq[base] >= MIN_WORD_FREQUENCY or freq[us] >= MIN_WORD_FREQUENCY:
            continue
        found.append(w)
    return found


def unfinished_sentences(text: str) -> list[str]:
    """Sentences that stop in the middle: they end on "the", "was", "very"..."""
    out = []
    for s in sentences(text):
        toks = words(s)
        if toks and toks[-1] in DANGLING:
            out.append(s)
    return out
