"""Story composer: a verse becomes a story for a child's age and interests; edit, regenerate, save."""

import streamlit as st

import engine
from components.state import get_studio
from components.story_view import classroom, exports, push_undo, undo, verse_box
from engine.story_models import Story, StoryRequest

studio = get_studio()
themes = studio.library.themes()
INTERESTS = ["cricket", "football", "animals", "space", "drawing", "music", "dance", "reading", "cooking", "science"]


@st.cache_resource(show_spinner="Loading the storyteller…")
def composer():
    return studio.story_composer()


st.title("📖 Story composer")
opened = st.query_params.get("story")
if opened and st.session_state.get("story_id") != opened:
    try:
        st.session_state.story = studio.stories.get(opened).model_dump_json()
        st.session_state.story_id = opened
        st.session_state.story_undo = []
        st.session_state.story_rev = st.session_state.get("story_rev", 0) + 1
    except engine.GitaError as exc:
        st.warning(str(exc))

with st.form("story_form"):
    c1, c2 = st.columns(2)
    how = c1.radio("Start from", ["A verse", "A theme"], horizontal=True)
    verse_ref = c1.text_input("Verse", value="2.47", help="2.47, BG 2:47, chapter 2 verse 47 …")
    theme = c1.selectbox("Theme", list(themes), format_func=lambda t: themes[t].label)
    age = c2.segmented_control("Age", ["4-6", "7-9", "10-12"], default="7-9")
    interests = c2.pills("Interests", INTERESTS, selection_mode="multi", default=["cricket"])
    other = c2.text_input("Other interest (optional)", max_chars=30)
    c3, c4, c5, c6 = st.columns(4)
    name = c3.text_input("Child's first name (optional, not stored unless you save)", max_chars=30)
    length = c4.selectbox("Length", ["short", "medium"], format_func=lambda x: {"short": "Short (~4 scenes)", "medium": "Medium (~6 scenes)"}[x])
    language = c5.selectbox("Language", ["en", "hi"], format_func=lambda x: {"en": "English", "hi": "हिन्दी"}[x])
    tone = c6.selectbox("Tone", ["gentle", "funny", "adventurous"])
    go = st.form_submit_button("✨ Write the story", type="primary")

if go:
    try:
        request = StoryRequest(verse=verse_ref if how == "A verse" else None, theme=theme if how == "A theme" else None,
                               age_band=age or "7-9", interests=(interests or []) + ([other] if other else []),
                               name=name or None, length=length, language=language, tone=tone)
        bar = st.progress(0.0, text="Planning the story…")
        live = st.container()
        for event in composer().stream(request):
            bar.progress(event.fraction, text=event.message)
            if event.scene is not None:
                live.markdown(f"**Scene {event.scene_index + 1}.** {event.scene.narration}")
            if event.story is not None:
                st.session_state.story = event.story.model_dump_json()
                st.session_state.story_id = None
                st.session_state.story_undo = []
                st.session_state.story_rev = st.session_state.get("story_rev", 0) + 1
                st.query_params.pop("story", None)
        st.rerun()
    except engine.GitaError as exc:
        st.error(str(exc))
    except ValueError as exc:  # pydantic validation of the form
        st.error(f"Please check the form: {exc}")

if "story" in st.session_state:
    story = Story.model_validate_json(st.session_state.story)
    st.divider()
    rev = st.session_state.setdefault("story_rev", 0)  # bumped when the story changes other than by typing
    title = st.text_input("Title", story.title, key=f"title-{story.id}-{rev}")
    if story.translation_note:
        st.info(story.translation_note, icon="🌐")
    if story.fallback_scenes:
        st.caption(f"Scenes written from the plan because the model's text did not pass the checks: "
                   f"{', '.join(str(i + 1) for i in story.fallback_scenes)}. Reading grade {story.reading_grade}.")
    edited = []
    for i, scene in enumerate(story.scenes):
        with st.container(border=True):
            st.markdown(f"**Scene {i + 1}** · {scene.mood} · {', '.join(scene.characters)}")
            edited.append(st.text_area("Narration", scene.narration, key=f"n-{story.id}-{rev}-{i}",
                                       label_visibility="collapsed"))
            st.caption(f"🖼️ {scene.picture}")
            if st.button("🔁 Write this scene again", key=f"regen-{story.id}-{i}"):
                push_undo(story)
                with st.spinner("Writing the scene again…"):
                    story = composer().regenerate_scene(story, i)
                st.session_state.story = story.model_dump_json()
                st.session_state.story_rev += 1
                st.rerun()
    changed = title != story.title or any(e != s.narration for e, s in zip(edited, story.scenes))
    if changed:
        push_undo(story)
        story = story.model_copy(update={"title": title, "scenes": [s.model_copy(update={"narration": e})
                                                                    for s, e in zip(story.scenes, edited)]})
        st.session_state.story = story.model_dump_json()
    verse_box(story)
    classroom(story)
    b1, b2 = st.columns(2)
    if b1.button("↩️ Undo", disabled=not st.session_state.get("story_undo")):
        previous = undo()
        if previous:
            st.session_state.story = previous.model_dump_json()
            st.session_state.story_rev += 1
            st.rerun()
    if b2.button("💾 Save to the library", type="primary"):
        studio.stories.save(story)
        st.session_state.story_id = story.id
        st.query_params["story"] = story.id
        st.success("Saved to the story library.")
    exports(studio, story, key="composer")
