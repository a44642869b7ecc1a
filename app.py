"""Gita Tales for kids: a Gradio app (the Hugging Face Spaces demo), on the same engine as the studio.

    python app.py            # after `make setup`; opens http://localhost:7860

Talk to Krishna (an AI helper that cites the verse), Story time, and the verse of the day.
Nothing a child types is stored or sent anywhere; there are no links out.
API: /chat (message -> answer text) and /story (feeling, age, interest -> story text).
"""

from __future__ import annotations

import base64
import html
import os
import sys
import threading

import gradio as gr

import engine
from engine import fonts
from engine.media.narration import NarrationRequest, narrate
from engine.story_models import StoryRequest

FEELINGS = {"😠 Angry": "anger", "😨 Scared": "fear", "😢 Sad": "sadness", "🤝 Sharing": "sharing",
            "💪 Brave": "courage", "🧘 Calm": "calm_mind", "🎯 Trying my best": "doing_your_best",
            "🐾 Animals": "kindness_to_animals", "👫 Friends": "friendship", "🙏 God's love": "gods_love"}
INTERESTS = {"🏏 Cricket": "cricket", "⚽ Football": "football", "🐶 Animals": "animals", "🚀 Space": "space",
             "🎨 Drawing": "drawing", "🎵 Music": "music", "📚 Reading": "reading", "🔬 Science": "science"}
AI_NOTICE = ("**I am an AI helper** — a computer program, not Krishna and not a person. "
             "I share what the Bhagavad Gita teaches, in simple words. Please don't tell me your name, address or phone.")
CSS = """
.gradio-container {background: #fffaf0;}
#title {text-align: center;}
.sanskrit {font-size: 1.35rem; color: #7a2e0e; background: #fff3dc; padding: .7rem 1rem; border-radius: .8rem;
           border-left: 6px solid #f4a62a; white-space: pre-line;}
button.lg {font-size: 1.15rem !important; min-height: 3rem;}
"""

studio = engine.open_studio()
#: the bundled Noto Sans Devanagari, after the theme's Latin font: a browser without a Devanagari font (as on
#: many Linux machines) drew the verse's Sanskrit as boxes
DEVANAGARI = fonts.DEVANAGARI_FAMILY


def _font_css() -> str:
    data = (studio.settings.assets_dir / "fonts" / fonts.DEVANAGARI_TTF).read_bytes()
    return (f"@font-face {{font-family: '{DEVANAGARI}'; "
            f"src: url(data:font/ttf;base64,{base64.b64encode(data).decode()}) format('truetype');}}\n")


def _theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="orange", secondary_hue="blue",
                          font=(gr.themes.LocalFont("Montserrat", weights=(400, 700)), DEVANAGARI,
                                "ui-sans-serif", "system-ui", "sans-serif"))


def _warm() -> None:
    # build the search index and load the model in the background, so the first question is quick
    try:
        studio.chat_engine()
    except engine.GitaError as exc:  # the first question will show the same message to the child's grown-up
        print(f"Gita Tales: could not warm the helper: {exc}", file=sys.stderr)


def verse_card_html(ref: str) -> str:
    verse = studio.library.verse(ref)
    card = studio.library.card(verse)
    meaning = html.escape(card.kid_meaning) if card else ""
    idea = f"<p>💡 <b>{html.escape(card.big_idea)}</b></p>" if card else ""
    return (f"<h3>📜 Bhagavad Gita {verse.ref}</h3><div class='sanskrit' lang='sa'>{html.escape(verse.sanskrit)}</div>"
            f"<p>{meaning}</p>{idea}")


def chat_answer(message: str) -> str:
    """The /chat endpoint: one message in, the whole answer text out."""
    try:
        return studio.ask(message, age_band="8-10").text().strip()
    except engine.GitaError as exc:
        return str(exc)


def chat_stream(message: str, history: list, age: str):
    """The chat tab: stream the answer into the chatbot (Gradio wants the whole text so far)."""
    history = list(history or [])
    if not (message or "").strip():
        yield history, "", gr.update(), None
        return
    history.append({"role": "user", "content": studio.mask(message)})
    history.append({"role": "assistant", "content": ""})
    try:
        turn = studio.ask(message, age_band=age)
        for piece in turn:
            history[-1]["content"] += piece
            yield history, "", gr.update(), None
        result = turn.result
        if result.replaced:
            history[-1]["content"] = result.answer
        cards = "".join(verse_card_html(r) for r in result.citations)
        yield history, "", gr.update(value=cards), result.citations[0] if result.citations else None
    except engine.GitaError as exc:
        history[-1]["content"] = str(exc)
        yield history, "", gr.update(), None


def listen_verse(ref: str | None):
    """Recitation where bundled, narration of the kid meaning otherwise."""
    if not ref:
        return None
    verse = studio.library.verse(ref)
    path = studio.library.recitation(verse)
    if path:
        return str(path)
    card = studio.library.card(verse)
    text = card.kid_meaning if card else verse.translation(language="english").text
    return str(narrate(NarrationRequest(text=text), studio.settings.data_dir / "media" / "narration").path)


def read_aloud(history: list):
    last = next((m["content"] for m in reversed(history or []) if m["role"] == "assistant" and m["content"]), "")
    if not last:
        return None
    return str(narrate(NarrationRequest(text=last[:1500]), studio.settings.data_dir / "media" / "narration").path)


def make_story(feeling: str, age: str, interest: str):
    theme = FEELINGS.get(feeling, feeling if feeling in studio.library.themes() else "doing_your_best")
    band = {"4-6": "4-6", "7-9": "7-9", "10-12": "10-12"}.get(age, "7-9")
    request = StoryRequest(theme=theme, age_band=band, interests=[INTERESTS.get(interest, interest or "animals")],
                           length="short")
    story = studio.story_composer(use_model=False).compose(request)
    text = f"## {story.title}\n\n" + "\n\n".join(s.narration for s in story.scenes) + f"\n\n**💡 {story.moral}**"
    return text, story


def story_api(feeling: str, age: str, interest: str) -> str:
    """The /story endpoint: a short story as Markdown text."""
    try:
        return make_story(feeling, age, interest)[0]
    except engine.GitaError as exc:
        return str(exc)


def story_ui(feeling: str, age: str, interest: str):
    try:
        text, story = make_story(feeling, age, interest)
    except engine.GitaError as exc:
        return str(exc), [], None, ""
    from engine.storyboard import PictureSpec

    pictures = [(str(studio.picture(PictureSpec(description=s.picture, setting=s.setting, characters=s.characters,
                                                mood=s.mood), (640, 360))), f"Scene {i + 1}")
                for i, s in enumerate(story.scenes)]
    audio = narrate(NarrationRequest(text=" ".join(s.narration for s in story.scenes)),
                    studio.settings.data_dir / "media" / "narration")
    return text, pictures, str(audio.path), verse_card_html(story.verse)


def build_app() -> gr.Blocks:
    votd = studio.library.verse_of_the_day()
    with gr.Blocks(title="Gita Tales") as demo:
        gr.Markdown("# 🪈 Gita Tales", elem_id="title")
        gr.Markdown(AI_NOTICE)
        with gr.Tab("🪈 Talk to Krishna"):
            age = gr.Radio(["5-7", "8-10", "11-13"], value="8-10", label="How old are you?")
            chatbot = gr.Chatbot(height=380, label="Chat", placeholder="Ask me about feelings, friends or the Gita!")
            with gr.Row():
                box = gr.Textbox(placeholder="Type your question here…", show_label=False, scale=5, max_length=500)
                send = gr.Button("Send ✨", variant="primary", scale=1, size="lg")
            gr.Examples(["Why do I get angry?", "I am scared of the dark", "Who is Arjuna?", "What does 2.47 say?"],
                        inputs=box)
            cards = gr.HTML()
            cited = gr.State(None)
            with gr.Row():
                listen = gr.Button("🔊 Listen to the verse", size="lg")
                aloud = gr.Button("🗣️ Read the answer aloud", size="lg")
            player = gr.Audio(label="Listen", autoplay=True, interactive=False)
            for trigger in (box.submit, send.click):
                trigger(chat_stream, [box, chatbot, age], [chatbot, box, cards, cited], api_visibility="private")
            listen.click(listen_verse, cited, player, api_visibility="private")
            aloud.click(read_aloud, chatbot, player, api_visibility="private")
        with gr.Tab("📖 Story time"):
            feeling = gr.Radio(list(FEELINGS), value="💪 Brave", label="Pick a feeling or a theme")
            story_age = gr.Radio(["4-6", "7-9", "10-12"], value="7-9", label="Age")
            interest = gr.Radio(list(INTERESTS), value="🐶 Animals", label="What do you love?")
            tell = gr.Button("📖 Tell me a story!", variant="primary", size="lg")
            story_audio = gr.Audio(label="Listen to the story", interactive=False)
            story_pictures = gr.Gallery(label="Pictures", columns=4, height=220)
            story_text = gr.Markdown()
            story_card = gr.HTML()
            tell.click(story_ui, [feeling, story_age, interest], [story_text, story_pictures, story_audio, story_card],
                       api_visibility="private")
        with gr.Tab("🌞 Verse of the day"):
            gr.HTML(verse_card_html(votd.ref))
            path = studio.library.recitation(votd)
            gr.Audio(str(path) if path else None, label="Sanskrit recitation", interactive=False)
        gr.api(chat_answer, api_name="chat")
        gr.api(story_api, api_name="story")
    return demo


if __name__ == "__main__":
    threading.Thread(target=_warm, daemon=True).start()
    build_app().launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                       server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
                       theme=_theme(), css=_font_css() + CSS,
                       footer_links=[], show_error=True)
