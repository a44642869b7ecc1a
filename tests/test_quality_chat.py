"""The quality gate and the chat pipeline with a fake model and a fixed index (fast)."""

import pytest

from engine import InvalidInput
from engine.chat import ChatEngine
from engine.quality import GateContext, has_loop, repeated_ngram_rate, sentence_problems
from tests.fakes import FakeIndex, FakeRuntime

CTX = GateContext(question="I lost my cricket match after practising hard. Why?",
                  sources="Krishna tells Arjuna: do your work and let go of the prize. Do your best.")


@pytest.mark.parametrize("sentence,problem", [
    ("Two and four-seven, two and four-nine, two and four-seven, two and four-nine.", "repeats itself"),
    ("The child is asking a question about cricket matches and practice.", "meta-talk"),
    ("I lost my cricket match after practising hard, why?", "echoes the question"),
    ("In 1987 the cricket team practised for 45 days.", "made-up number"),
    ("Arjuna met Ashwood the great archer at the cricket ground.", "invented name Ashwood"),
    # the first word is capitalised anyway, but a name that is no English word is still invented (GitaGPT)
    ("Keshet wrote the Gita, and you can learn from it.", "invented name Keshet"),
    ("You did your best and that is what matters most and you should be very proud of every single little thing that you did today at the big match with all of your friends.", "too long for a child"),
    ("Losing is hard", "unfinished"),
    ("Why do you think you lost the match?", "asks instead of answering"),
])
def test_gate_rejects_garbage(sentence, problem):
    assert problem in sentence_problems(sentence, CTX)


@pytest.mark.parametrize("sentence", ["Losing a match after practising so hard can feel really sad.",
                                      "You did your best, and Krishna says that is the part that is yours."])
def test_gate_passes_good_sentences(sentence):
    assert sentence_problems(sentence, CTX) == []


def test_loop_measures():
    assert has_loop("I am here. I am here.")
    assert repeated_ngram_rate("one two three four one two three four one two three four") > 0.5
    assert repeated_ngram_rate("Krishna tells Arjuna to do his best and not worry.") == 0


@pytest.fixture
def make_chat(library):
    def make(*answers, refs=("2.47", "2.48", "3.19")):
        return ChatEngine(library, FakeIndex(library, list(refs)), FakeRuntime(*answers))
    return make


def test_good_model_sentence_opens_a_grounded_cited_answer(make_chat, library):
    chat = make_chat("Losing a match after practising so hard can feel really sad. Trying again is brave.")
    turn = chat.ask("I lost my cricket match after practising hard. Why?", age_band="8-10")
    pieces = list(turn)
    answer = "".join(pieces)
    assert len(pieces) > 5  # streamed in pieces
    assert answer.startswith("Losing a match after practising so hard can feel really sad.")
    assert library.card(library.verse("2.47")).kid_meaning in answer
    assert turn.result.citations == ["2.47", "2.48"]  # the neighbouring verse finishes the thought
    assert turn.result.used_model_sentences >= 1 and turn.result.action == "answer"
    assert turn.result.as_json()["timing"]["tokens"] > 0


def test_garbage_from_the_model_is_replaced_by_a_warm_opener(make_chat, library):
    chat = make_chat("The child is asking a question. The child is asking a question.")
    turn = chat.ask("I lost my cricket match after practising hard. Why?")
    answer = turn.text()
    assert "The child" not in answer
    assert turn.result.gate_rejections and turn.result.used_model_sentences == 0
    assert "verse 2.47" in answer and turn.result.citations[0] == "2.47"


def test_age_bands_change_length(make_chat):
    young = make_chat("Losing can feel sad.").ask("I lost my match", age_band="5-7").text()
    old = make_chat("Losing can feel sad.").ask("I lost my match", age_band="11-13").text()
    assert len(old) > len(young) and "words:" in old


def test_named_verse_is_cited_first(make_chat):
    turn = make_chat("").ask("what does 18.66 say?")
    turn.text()
    assert turn.result.citations[0] == "18.66"


def test_small_talk_says_it_is_an_ai(make_chat):
    for q in ("hi", "who r u", "Are you real?"):
        turn = make_chat().ask(q)
        text = turn.text()
        assert "AI helper" in text and "not Krishna" in text and turn.result.citations


def test_hindi_question_gets_hindi_card_text(make_chat, library):
    turn = make_chat().ask("मुझे गुस्सा क्यों आता है?")
    text = turn.text()
    assert library.card(library.verse("2.47")).kid_meaning_hi in text


@pytest.mark.parametrize("bad", ["", "   ", "x" * 5000])
def test_bad_questions_get_clear_errors(make_chat, bad):
    with pytest.raises(InvalidInput):
        make_chat().ask(bad)
    with pytest.raises(InvalidInput, match="Age band"):
        make_chat().ask("hi", age_band="99")


def test_known_people_and_places_get_written_answers(make_chat):
    turn = make_chat().ask("who is Arjuna?")
    text = turn.text()
    assert "archer" in text and turn.result.citations == ["1.28", "2.7"]
    blue = make_chat().ask("why is krishna blue?").text()
    assert "does not talk about his colour" in blue


def test_the_opener_follows_the_childs_feeling(make_chat, library):
    from engine.chat import load_openers

    grief = load_openers(library.assets_dir)["grief"]["en"]
    text = make_chat("", refs=("5.18",)).ask("my dog died yesterday").text()
    assert any(text.startswith(o) for o in grief)
    # a child's grief never gets the model's phrasing, even a sentence that passes the gate (this one does)
    turn = make_chat("Your grandma is gone, and Krishna says she was never born and never dies.", refs=("2.20",)).ask(
        "my grandma died, where is she now?")
    text = turn.text()  # the turn is a stream: read it once
    assert any(text.startswith(o) for o in grief) and "Your grandma is gone" not in text
    assert turn.result.used_model_sentences == 0 and turn.result.citations == ["2.20"]
    # nor a child's anger, fear or sadness: the small model once praised a brother it knows nothing of
    openers = load_openers(library.assets_dir)
    turn = make_chat("Your brother is a brave and caring person.", refs=("2.63",)).ask("i am so angry at my brother")
    text = turn.text()
    assert any(text.startswith(o) for o in openers["anger"]["en"]) and "brave and caring" not in text
    assert turn.result.used_model_sentences == 0
    # missing someone, in Hinglish or Hindi, is grief too; a question about death in general is not
    assert any(make_chat("", refs=("2.20",)).ask("nani ki yaad aati hai").text().startswith(o) for o in grief)
    assert not any(make_chat("", refs=("2.20",)).ask("what happens after death?").text().startswith(o) for o in grief)
    story = make_chat("", refs=("1.1",)).ask("who was the blind king's helper in the chariot story").text()
    assert not any(story.startswith(o) for o in load_openers(library.assets_dir)["family"]["en"])


@pytest.mark.parametrize("said,problem", [
    # each passed the gate before session 26 and was shown to a child (GitaGPT, real questions)
    ("Krishna was born from a chariot, and his charioteer is a friend.", "speaks for the Gita"),
    ("Animals go to heaven, and they will be happy there.", "speaks for the Gita"),
    ("The Gita says eating food is a way to worship.", "speaks for the Gita"),
    ("You can gently say you love him and be kind, like sharing a little brother with a friend.",
     "too long to trust"),
])
def test_the_models_claims_about_the_gita_and_its_long_sentences_are_not_shown(make_chat, library, said, problem):
    turn = make_chat(said, refs=("3.19",)).ask("I lost my cricket match after practising hard. Why?")
    text = turn.text()
    assert said.split(",")[0] not in text and turn.result.used_model_sentences == 0
    assert any(problem in r for r in turn.result.gate_rejections), turn.result.gate_rejections
    assert "verse 3.19" in text  # the verse still answers, under a written opener


def test_a_feeling_the_child_did_not_show_is_not_put_on_them(make_chat, library):
    from engine.chat import load_openers

    openers = load_openers(library.assets_dir)
    # 2.27's card is about change and grief: a question about the future does not open with grief
    text = make_chat("", refs=("2.27",)).ask("can i be an astronaut one day").text()
    assert not any(text.startswith(o) for o in openers["grief"]["en"])
    assert any(text.startswith(o) for o in openers["default"]["en"])
    # a child who says they miss someone still gets it
    assert any(make_chat("", refs=("2.27",)).ask("i miss my grandpa so much").text().startswith(o)
               for o in openers["grief"]["en"])


def test_the_studio_chat_opens_with_written_words_unless_settings_ask(studio, fresh_settings, monkeypatch):
    from engine.settings import get_settings

    assert get_settings().chat_model_opener is False and studio.settings.chat_model_opener is False
    assert studio.chat_engine().runtime is None  # no chat model loaded, no model sentence
    monkeypatch.setenv("GITA_CHAT_MODEL_OPENER", "1")
    get_settings.cache_clear()
    assert get_settings().chat_model_opener is True


def test_made_up_words_and_unfinished_sentences():
    from engine.quality import made_up_words, sentences, unfinished_sentences

    assert made_up_words("Zoya went to the garden withthem and saw therabbits.", {"Zoya"}) == ["withthem", "therabbits"]
    assert made_up_words("Zoya's telescope didn't work, so she'd look at the stars.", {"Zoya"}) == []
    assert made_up_words("Her favourite colour made her realise it.") == []
    assert unfinished_sentences("He saw a big tree. She looked at the.") == ["She looked at the."]
    assert sentences("Leo said, 'Let us go.' Then they went.") == ["Leo said, 'Let us go.'", "Then they went."]


def test_an_opener_that_repeats_the_big_idea_is_not_used():
    ctx = GateContext(question="is it bad to be lazy sometimes?", sources="Laziness keeps us stuck.",
                      shown_anyway="Laziness and putting things off keep us stuck.")
    assert "repeats the big idea shown below it" in sentence_problems("Laziness and putting things off keep us stuck.", ctx)
    assert sentence_problems("Everyone feels lazy some days, and that is okay.", ctx) == []


def test_written_facts_answer_questions_about_the_epic_and_cite_verses_with_cards(make_chat, library):
    import re

    from engine.chat import load_facts

    for entry in load_facts(library.assets_dir):
        re.compile(entry["pattern"])
        assert entry["answer"] and all(library.card(library.verse(r)) for r in entry["cite"]), entry["pattern"]
    # the dice game is the epic's story, not the Gita's: a written answer, never the model's guess
    turn = make_chat("Yudhishthira was a lucky player, and his kingdom is worth something.", refs=("1.16",)).ask(
        "why did yudhishthira gamble away his kingdom")
    text = turn.text()
    assert "Shakuni" in text and "lucky player" not in text and turn.result.citations == ["1.1"]
    assert turn.result.used_model_sentences == 0


def test_the_written_opener_follows_what_the_question_is_about_not_the_verses_theme(make_chat, library):
    from engine.chat import load_openers

    openers = load_openers(library.assets_dir)
    starts = lambda text, theme: any(text.startswith(o) for o in openers[theme]["en"])
    # 6.12's card is about focus: a question that is not gets a plain opener ("is god real" once opened with
    # "Keeping our mind on one thing is a skill we can practise")
    assert "focus" in library.card(library.verse("6.12")).themes
    text = make_chat("", refs=("6.12",)).ask("what is the meaning of life").text()
    assert starts(text, "default") and not starts(text, "focus")
    # a child who cheated is not praised for hard work, though the question says "test"
    text = make_chat("", refs=("2.47",)).ask("i cheated in a test and nobody knows").text()
    assert starts(text, "honesty"), text
    assert starts(make_chat("", refs=("2.47",)).ask("i have a big exam tomorrow").text(), "doing_your_best")
    assert starts(make_chat("", refs=("2.20",)).ask("what happens when we die").text(), "the_soul")
    # in Hindi too
    hindi = make_chat("", refs=("2.47",)).ask("झूठ बोलना बुरा क्यों है?").text()
    assert any(hindi.startswith(o) for o in openers["honesty"]["hi"]), hindi


@pytest.mark.parametrize("question,cites,says", [
    ("what is karma", ["2.47", "3.8"], "Karma means action"),
    ("What is dharma in simple words?", ["3.35", "18.47"], "your own duty"),
    ("what does yoga mean", ["2.48", "2.50"], "calm, even mind"),
    ("why are some people called low caste", ["5.18", "9.29"], "equal eye"),
    ("who wrote the gita", ["18.75", "1.1"], "Vyasa"),
    ("is god real", ["18.61", "10.20"], "grown-up you trust"),
    # session 28: retrieval gave 3.19, 9.3 and 10.9 for these
    ("who made the stars?", ["10.8", "7.6", "10.21"], "among the stars at night he is the moon"),
    ("why do we have to go to school", ["4.38", "4.34"], "learn from wise teachers"),
    ("mera dost mujhse baat nahi karta", ["12.13", "6.9"], "friendly and kind to everyone"),
])
def test_big_words_and_big_questions_get_written_answers_from_their_verses(make_chat, library, question, cites, says):
    turn = make_chat("Karma is when bad things come back to you.", refs=("1.16",)).ask(question)
    text = turn.text()
    assert says in text and turn.result.citations == cites and turn.result.used_model_sentences == 0
    assert library.card(library.verse(cites[0])).kid_meaning in text  # the first verse, in its card's words
