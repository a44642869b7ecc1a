"""The story composer: a verse becomes a story shaped to a child's age and interests.

Plan, then write. The plan comes from the verse's companion card (big idea, sensitivity)
and the educator's choices: characters, place, and six beats (opening, problem, struggle,
the verse, turning point, resolution; a short story keeps four). Each scene is then written
by the model from a short prompt (the beat, one worked example), constrained by a grammar
that is a stricter form of the scene's JSON shape (:class:`SceneDraft`): the object with its ``narration``, which
starts with the child's name, has 2 to 5 sentences of a length set by the age band, and uses
no names but the plan's. The result is validated with pydantic and must pass the quality
gate (structure, loops and repeats, real words, finished sentences, reading level for the age
band, length, the child and the interest present, close to the beat, nothing unsafe). A scene
that fails is retried with a new seed, then filled honestly from the plan;
``Story.fallback_scenes`` says which.

    composer = StoryComposer(library, runtime, guard)
    for event in composer.stream(StoryRequest(verse="2.47", age_band="7-9", interests=["cricket"])):
        ...                       # progress events; the last one carries the story
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from .companion import reading_grade
from .errors import InvalidInput
from .library import VerseLibrary
from .models import Verse
from .quality import (
    has_loop,
    jaccard,
    made_up_words,
    ngrams,
    repeated_ngram_rate,
    sentences,
    unfinished_sentences,
    words,
)
from .story_models import GRADE_LIMITS, SCENES_FOR_LENGTH, QuizItem, Scene, Story, StoryRequest

MAX_ATTEMPTS = 3
STORY_META = re.compile(r"[\[\]{}<>]|\.\.\.|…|\b(this story|the story|the child|a child who|story so far|characters?:|"
                        r"narration|json|picture:|scene)\b", re.IGNORECASE)
SCENE_WORDS = {"4-6": (12, 60), "7-9": (18, 90), "10-12": (25, 120)}
ROLES = {4: ["opening", "problem", "verse", "resolution"],
         6: ["opening", "problem", "struggle", "verse", "turn", "resolution"]}
#: per age band: fewest and most sentences in a scene (the reading-level gate keeps sentences short)
SCENE_SHAPE = {"4-6": (2, 3), "7-9": (2, 4), "10-12": (3, 5)}
#: words in a sentence: the grammar ends a sentence here, so one that reaches it was cut short
SENTENCE_WORDS = (3, 24)
#: a written scene must stay this close in meaning to its beat in the plan (MiniLM cosine)
MIN_BEAT_SIMILARITY = 0.45
SYSTEM = ("You write one part of a gentle story for a child aged {age}. Use short, simple sentences and easy words. "
          "Use only these names: {names}. Nothing scary or violent.")
#: one worked example per age band (a tiny model copies the example's sentence length more than it obeys words)
EXAMPLE_BEAT = ("What happens: Mia was nervous about her first day at a new school. "
                "Tell it with a small detail about the school and how Mia feels.")
EXAMPLES = {
    "4-6": "Mia held Dad's hand at the gate. Her tummy felt funny. Mia took a big breath and went in.",
    "7-9": "Mia held her dad's hand at the big school gate. Her tummy felt funny and tight. "
           "Mia took a deep breath and said, 'I can do this!'",
    "10-12": "Mia stood at the big blue gate of her new school, holding her dad's hand. Her tummy felt tight, and "
             "every face looked like a stranger's. Mia took a deep breath, smiled at a girl with a red bag, and walked in.",
}
TONE_HINT = {"gentle": "warm and calm", "funny": "a little funny and playful", "adventurous": "exciting, like a small adventure"}


class SceneDraft(BaseModel):
    narration: str


@dataclass
class Plan:
    name: str
    pronoun: str
    friend: str
    elder: str
    interest: str
    activity: str
    place: str
    obj: str
    group: str
    roles: list[str]
    beats: list[str]
    title: str

    def names(self) -> list[str]:
        """The names a scene may use: the child, the friend, the elder ("Ms. Rao the teacher" is Rao)."""
        elder = self.elder.split()[1] if self.elder.startswith("Ms.") else self.elder.split()[0]
        return list(dict.fromkeys([self.name, self.friend, elder]))

    def slots(self) -> dict[str, str]:
        possessive = {"she": "her", "he": "his", "they": "their"}[self.pronoun]
        return {"name": self.name, "friend": self.friend, "elder": self.elder, "interest": self.interest,
                "activity": self.activity, "place": self.place, "object": self.obj, "pronoun": self.pronoun,
                "pronoun_cap": self.pronoun.capitalize(), "possessive": possessive,
                "possessive_cap": possessive.capitalize()}


@dataclass
class StoryEvent:
    """Progress of a story being written; the last event has ``story`` set."""

    fraction: float
    message: str
    scene_index: int | None = None
    scene: Scene | None = None
    story: Story | None = None


@lru_cache(maxsize=2)
def load_templates(assets_dir: Path) -> dict:
    return yaml.safe_load((Path(assets_dir) / "data" / "story" / "templates.yaml").read_text(encoding="utf-8"))


def _rng(request: StoryRequest, *extra) -> random.Random:
    key = json.dumps([request.model_dump(exclude={"name"}), *extra], sort_keys=True, default=str)
    return random.Random(int(hashlib.sha256(key.encode()).hexdigest(), 16))


class StoryComposer:
    """Writes stories with the chat model, the companion and the safety guard."""

    def __init__(self, library: VerseLibrary, runtime=None, guard=None, translator=None, embedder=None):
        self.library = library
        self.runtime = runtime
        self.embedder = embedder
        self.guard = guard
        self.translator = translator
        self.templates = load_templates(library.assets_dir)

    # -- choosing the verse ------------------------------------------------------------------
    def pick_verse(self, request: StoryRequest) -> Verse:
        if request.verse:
            return self.library.verse(request.verse)
        if request.theme:
            if request.theme not in self.library.themes():
                raise InvalidInput(f"Unknown theme {request.theme!r}. Choose one of: {', '.join(self.library.themes())}.")
            options = self.suggest_verses(request.theme, limit=3)
            if options:
                return _rng(request).choice(options)
        raise InvalidInput("Pick a verse (such as 2.47) or a theme for the story.")

    def suggest_verses(self, theme: str, limit: int = 8) -> list[Verse]:
        """Verses for a theme, best first: Krishna teaching, no hard topics, the theme as the card's main one."""
        found = self.library.verses_for_theme(theme)
        ranked = sorted(found, key=lambda vc: (bool(vc[1].sensitivity.flags), vc[0].speaker != "Krishna",
                                               vc[1].themes.index(theme)))
        return [v for v, _ in ranked[:limit]]

    # -- planning ----------------------------------------------------------------------------
    def plan(self, request: StoryRequest, verse: Verse) -> Plan:
        t = self.templates
        rng = _rng(request, "plan")
        card = self.library.card(verse)
        themes = card.themes if card else []
        group = next((g for th in themes for g, spec in t["groups"].items() if th in spec["themes"]), "character")
        if card and {"war", "killing"} & set(card.sensitivity.flags):
            group = "character"  # war verses become stories about courage and doing what is right
        interest = request.interests[0]
        look = t["interests"].get(interest, t["interests"]["default"])
        name = request.name or rng.choice(t["names"])
        friend = rng.choice([f for f in t["friends"] if f != name])
        elder = rng.choice(t["elders"])["who"]
        pronoun = rng.choice(["she", "he"]) if not request.name else "they"
        roles = ROLES[SCENES_FOR_LENGTH[request.length]]
        plan = Plan(name=name, pronoun=pronoun, friend=friend, elder=elder, interest=interest,
                    activity=look["activity"].format(interest=interest), place=look["place"], obj=look["object"],
                    group=group, roles=roles, beats=[], title="")
        plan.title = t["groups"][group]["title"].format(**plan.slots())
        plan.beats = [self._beat(role, plan, verse, request) for role in roles]
        return plan

    def _beat(self, role: str, plan: Plan, verse: Verse, request: StoryRequest) -> str:
        t = self.templates
        slots = plan.slots()
        if role == "opening":
            return t["opening"][0].format(**slots)
        if role == "verse":
            card = self.library.card(verse)
            meaning = card.kid_meaning if card else verse.translation(language="english").text
            big_idea = card.big_idea if card else "do what is right"
            if card and request.age_band == "4-6" and {"war", "killing"} & set(card.sensitivity.flags):
                # a war verse for the youngest: the courage to do right, not the fighting
                meaning, big_idea = "Krishna helped his friend Arjuna be brave and do what is right.", "be brave and do what is right"
            big_idea = big_idea.rstrip(".")
            if big_idea.split()[0] not in {"God", "Krishna", "Arjuna", "God's", "Krishna's"}:
                big_idea = big_idea[0].lower() + big_idea[1:]
            return t["verse_scene"][0].format(**slots, verse=verse.ref, kid_meaning=meaning, big_idea=big_idea)
        if role == "resolution" and len(plan.roles) == 4:
            spec = t["groups"][plan.group]
            return spec["turn"].format(**slots) + " " + spec["resolution"].format(**slots)
        return t["groups"][plan.group][role].format(**slots)

    # -- writing -----------------------------------------------------------------------------
    def stream(self, request: StoryRequest) -> Iterator[StoryEvent]:
        """Write the story scene by scene, yielding progress; the last event carries the story."""
        verse = self.pick_verse(request)
        plan = self.plan(request, verse)
        yield StoryEvent(0.05, f"Planned “{plan.title}” from verse {verse.ref}")
        scenes: list[Scene] = []
        for i, role in enumerate(plan.roles):
            scene = self.write_scene(request, plan, verse, i, scenes)
            scenes.append(scene)
            yield StoryEvent(0.1 + 0.8 * (i + 1) / len(plan.roles), f"Scene {i + 1} of {len(plan.roles)} written"
                             + (" (from the plan)" if scene.fallback else ""), i, scene)
        story = self.assemble(request, plan, verse, scenes)
        if request.language == "hi":
            yield StoryEvent(0.95, "Translating into Hindi")
            story = self.translate(story)
        yield StoryEvent(1.0, "Story ready", story=story)

    def compose(self, request: StoryRequest, on_event: Callable[[StoryEvent], None] | None = None) -> Story:
        for event in self.stream(request):
            if on_event:
                on_event(event)
            if event.story is not None:
                return event.story
        raise RuntimeError("the story stream ended without a story")  # pragma: no cover - stream always finishes

    def write_scene(self, request: StoryRequest, plan: Plan, verse: Verse, index: int, before: list[Scene],
                    seed_offset: int = 0) -> Scene:
        role = plan.roles[index]
        mood = self.templates["moods"].get(role, "calm")
        narration, fallback = plan.beats[index], role != "verse"
        if role != "verse" and self.runtime is not None:  # the verse scene is always the card's own words
            for attempt in range(MAX_ATTEMPTS):
                draft = self._draft(request, plan, index, request.seed + 101 * (attempt + 1) + seed_offset)
                if draft and not self.scene_problems(draft.narration, plan, request, role, before, plan.beats[index]):
                    narration, fallback = draft.narration.strip(), False
                    break
        characters = [n for n in (plan.name, plan.friend, plan.elder) if n in narration] + \
            (["Krishna", "Arjuna"] if role == "verse" else [])
        return Scene(narration=narration, picture=self._picture(plan, role, characters), characters=characters,
                     mood=mood, setting=plan.place, role=role, fallback=fallback)

    def _draft(self, request: StoryRequest, plan: Plan, index: int, seed: int) -> SceneDraft | None:
        prompt, stops = self.runtime.format_chat(scene_messages(request, plan, index))
        try:
            text = "".join(self.runtime.stream(prompt, max_tokens=180, temperature=0.7, seed=seed, stop=stops,
                                               repeat_penalty=1.1, grammar=scene_grammar(plan, request.age_band)))
            return SceneDraft.model_validate_json(text)
        except (ValidationError, ValueError):
            return None

    def scene_problems(self, narration: str, plan: Plan, request: StoryRequest, role: str,
                       before: list[Scene] = (), beat: str | None = None) -> list[str]:
        """Why a written scene cannot be used (empty when it passes)."""
        problems = []
        said = sentences(narration)
        low, high = SCENE_WORDS[request.age_band]
        n_words = len(words(narration))
        if not low <= n_words <= high:
            problems.append(f"{n_words} words; {low} to {high} wanted")
        if has_loop(narration) or repeated_ngram_rate(narration, 4) > 0.05:
            problems.append("repeats itself")
        if plan.name.lower() not in narration.lower():
            problems.append("the child is missing")
        if role == "opening" and plan.interest.lower() not in narration.lower():
            problems.append("the interest is missing")
        if n_words and reading_grade(narration) > GRADE_LIMITS[request.age_band]:
            problems.append("too hard to read for the age band")
        allowed = {plan.name, plan.friend, *plan.elder.split(), "Krishna", "Arjuna", "God", "Gita", "Bhagavad"}
        for token in re.findall(r"[A-Za-z']+", narration):
            prev = narration[max(0, narration.find(token) - 2):narration.find(token)]
            name = token.removesuffix("'s")
            if token[0].isupper() and name not in allowed and not re.search(r"[.!?\"'“]\s*$|^\s*$", prev) \
                    and token.lower() not in {"i", "i'm"}:
                problems.append(f"unknown name {token}")
                break
        odd = made_up_words(narration, allowed | {plan.interest, plan.obj, *plan.place.split(), *plan.activity.split()})
        if odd:
            problems.append(f"made-up word {odd[0]}")
        if unfinished_sentences(narration) or any(len(words(x)) >= SENTENCE_WORDS[1] for x in said):
            problems.append("a sentence stops in the middle")
        if len(said) < 2:
            problems.append("too few sentences")
        if STORY_META.search(narration):
            problems.append("talks about the story instead of telling it")
        earlier = set(ngrams(words(" ".join(b.narration for b in before)), 4))
        mine = ngrams(words(narration), 4)
        if any(jaccard(narration, b.narration) > 0.5 for b in before) or \
                (mine and sum(g in earlier for g in mine) / len(mine) > 0.2):
            problems.append("repeats an earlier scene")
        example = set(ngrams(words(EXAMPLES[request.age_band]), 4))
        if re.search(r"\bMia\b", narration) or (mine and sum(g in example for g in mine) / len(mine) > 0.1):
            problems.append("copies the worked example")
        if beat is not None and not problems:
            if jaccard(narration, beat) > 0.8:
                problems.append("only copies the plan")
            elif self._similarity(narration, beat) < MIN_BEAT_SIMILARITY:
                problems.append("wanders away from the plan")
        if self.guard is not None and self.guard.check_output(narration).action != "answer":
            problems.append("unsafe")
        return problems

    def _similarity(self, a: str, b: str) -> float:
        if self.embedder is None:
            from .embedder import get_embedder

            self.embedder = get_embedder()
        x, y = self.embedder.embed([a, b])
        return float(x @ y)

    def _picture(self, plan: Plan, role: str, characters: list[str]) -> str:
        if role == "verse":
            return (f"{plan.elder} and {plan.name} looking at a storybook picture: Krishna, with blue skin, a peacock "
                    "feather and a flute, talks gently with Arjuna beside a chariot")
        mood = self.templates["moods"].get(role, "calm")
        return f"A bright, {mood} storybook picture at {plan.place}: {', '.join(characters)}, with a {plan.obj}"

    # -- the whole story ---------------------------------------------------------------------
    def assemble(self, request: StoryRequest, plan: Plan, verse: Verse, scenes: list[Scene]) -> Story:
        card = self.library.card(verse)
        big_idea = card.big_idea.rstrip(".") if card else "Do what is right"
        text = " ".join(s.narration for s in scenes)
        questions = [
            f"How did {plan.name} feel when the problem started? Have you ever felt like that?",
            f"What did {plan.elder} share from the Bhagavad Gita, and how did it help {plan.name}?",
            f"The big idea is “{big_idea}”. Where could you use it this week?",
        ]
        rng = _rng(request, "quiz")
        others = [i for i in self.templates["interests"] if i not in ("default", plan.interest)]
        quiz = [
            QuizItem(question=f"What does {plan.name} love to do?", answer=plan.activity,
                     choices=_shuffle(rng, [plan.activity, *[self.templates['interests'][o]['activity'] for o in rng.sample(others, 2)]])),
            QuizItem(question=f"Who told {plan.name} about the Bhagavad Gita?", answer=plan.elder,
                     choices=_shuffle(rng, [plan.elder, plan.friend, "a robot"])),
            QuizItem(question="Which verse of the Gita is in the story?", answer=verse.ref,
                     choices=_shuffle(rng, [verse.ref, *self._other_refs(verse, rng)])),
        ]
        return Story(
            title=plan.title, verse=verse.ref, sanskrit=verse.sanskrit,
            kid_meaning=card.kid_meaning if card else "", kid_meaning_hi=card.kid_meaning_hi if card else "",
            big_idea=big_idea, moral=f"{big_idea}.", scenes=scenes, questions=questions, quiz=quiz,
            reading_grade=round(reading_grade(text), 1),
            fallback_scenes=[i for i, s in enumerate(scenes) if s.fallback],
            themes=card.themes if card else [], request=request.model_copy(update={"name": None}),
        )

    def _other_refs(self, verse: Verse, rng: random.Random) -> list[str]:
        pool = [v.ref for v in self.library.verses if v.ref != verse.ref and self.library.card(v)]
        return rng.sample(pool, 2)

    def regenerate_scene(self, story: Story, index: int, request: StoryRequest | None = None) -> Story:
        """A copy of ``story`` with scene ``index`` written again (new seed); the rest is kept."""
        request = request or story.request
        if request is None:
            raise InvalidInput("This story has no saved settings, so a scene cannot be written again.")
        if not 0 <= index < len(story.scenes):
            raise InvalidInput(f"There is no scene {index + 1}; the story has {len(story.scenes)}.")
        verse = self.library.verse(story.verse)
        plan = self.plan(request, verse)
        if len(plan.roles) != len(story.scenes):
            raise InvalidInput("The story's scenes were added or removed by hand; edit this scene's text instead.")
        new = self.write_scene(request, plan, verse, index, story.scenes[:index],
                               seed_offset=random.randrange(1, 10**6))
        scenes = list(story.scenes)
        scenes[index] = new
        return story.model_copy(update={"scenes": scenes, "fallback_scenes": [i for i, s in enumerate(scenes) if s.fallback],
                                        "reading_grade": round(reading_grade(" ".join(s.narration for s in scenes)), 1)})

    def translate(self, story: Story) -> Story:
        """Hindi through the translation backend, or, offline, English with the verse in Hindi (said plainly)."""
        from .translate import TranslationUnavailable

        if self.translator is None:
            return story.model_copy(update={"translation_note": "Hindi translation is not set up. The story is in "
                                            "English; the verse and its meaning are shown in Hindi."})
        try:
            texts = [s.narration for s in story.scenes] + [story.title, story.moral]
            out = self.translator.translate(texts, "hi")
        except TranslationUnavailable as exc:
            return story.model_copy(update={"translation_note": f"{exc} The story is in English; the verse and its "
                                            "meaning are shown in Hindi from the bundled data."})
        scenes = [s.model_copy(update={"narration": t}) for s, t in zip(story.scenes, out)]
        return story.model_copy(update={"scenes": scenes, "title": out[-2], "moral": out[-1], "language": "hi",
                                        "translation_note": f"Translated into Hindi by {self.translator.name}."})


def scene_messages(request: StoryRequest, plan: Plan, index: int) -> list[dict]:
    """The chat messages that ask the model for scene ``index`` (also the prompts of GitaGPT's scene data)."""
    user = (f"What happens: {plan.beats[index]} Tell it with a small detail about {plan.place} and how "
            f"{plan.name} feels. Make it {TONE_HINT[request.tone]}.")
    return [{"role": "system", "content": SYSTEM.format(age=request.age_band, names=", ".join(plan.names()))},
            {"role": "user", "content": EXAMPLE_BEAT},
            {"role": "assistant", "content": json.dumps({"narration": EXAMPLES[request.age_band]})},
            {"role": "user", "content": user}]


def scene_grammar(plan: Plan, age_band: str) -> str:
    """GBNF for one scene: ``{"narration": "..."}`` whose text starts with the child's name, with
    the band's number of sentences and words per sentence, plain words, and only the plan's names
    (a capital letter inside a sentence is a name from the plan)."""
    s_min, s_max = SCENE_SHAPE[age_band]
    w_min, w_max = SENTENCE_WORDS
    names = " | ".join(json.dumps(n) for n in [*plan.names(), "Krishna", "Arjuna"])
    return "\n".join([
        f'root ::= "{{\\"narration\\": \\"" first (" " sentence){{{s_min - 1},{s_max - 1}}} "\\"}}"',
        f"first ::= {json.dumps(plan.name)} poss? tail (end | speech)",
        "sentence ::= start tail (end | speech)",
        "speech ::= \", '\" cap tail end \"'\"",
        f"tail ::= (sep word){{{w_min - 1},{w_max - 1}}}",
        'sep ::= " " | ", "',
        "word ::= lower | name poss?",
        "start ::= cap | name poss?",
        "poss ::= \"'s\"",
        "lower ::= [a-z]{1,14} ending?",
        "cap ::= [A-Z] [a-z]{0,13} ending?",
        "ending ::= \"'\" (\"s\" | \"t\" | \"ll\" | \"re\" | \"ve\" | \"d\" | \"m\")",
        f"name ::= {names}",
        'end ::= "." | "!"',
    ])


def _shuffle(rng: random.Random, items: list[str]) -> list[str]:
    items = list(dict.fromkeys(items))
    rng.shuffle(items)
    return items
