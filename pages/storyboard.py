"""Storyboard editor: a saved story becomes cards with pictures, narration and timing; render a video."""

import uuid
from pathlib import Path

import streamlit as st

import engine
from components.render_job import RenderJob
from components.state import get_studio
from engine.export import contact_sheet
from engine.storyboard import Card, PictureSpec, Storyboard, from_story, load_storyboard

studio = get_studio()
boards = studio.storyboards
st.title("🎬 Storyboard editor")


def current() -> Storyboard | None:
    raw = st.session_state.get("board")
    return Storyboard.model_validate_json(raw) if raw else None


def commit(board: Storyboard, record: bool = True) -> None:
    """Keep the new state, remember the old one for undo, and autosave to SQLite."""
    old = st.session_state.get("board")
    if record and old:
        st.session_state.setdefault("board_undo", []).append(old)
        st.session_state.board_undo = st.session_state.board_undo[-30:]
        st.session_state.board_redo = []
    st.session_state.board = board.model_dump_json()
    st.session_state.board_rev = st.session_state.get("board_rev", 0) + 1
    boards.save(board)


stories = studio.stories.list()
c1, c2 = st.columns([3, 2])
choice = c1.selectbox("Make a storyboard from a saved story", [""] + [s["id"] for s in stories],
                      format_func=lambda i: next((f"{s['title']} ({s['verse_ref']}, ages {s['age_band']}, "
                                                  f"{s['updated_at'][:10]} #{s['id'][:4]})" for s in stories if s["id"] == i), "—"))
with_recitation = c1.checkbox("Add the Sanskrit recitation where it is bundled", value=True)
linked = st.query_params.get("story")  # the story library links here with ?story=ID
if linked and st.session_state.get("board_story") != linked:
    choice, open_now = linked, True
    st.session_state.board_story = linked
else:
    open_now = False
if c1.button("Open storyboard", disabled=not choice) or open_now:
    board = boards.for_story(choice)
    if board is None:
        story = studio.stories.get(choice)
        rec = studio.library.recitation(studio.library.verse(story.verse)) if with_recitation else None
        board = from_story(story, str(rec) if rec else None)
    st.session_state.board_story = choice
    st.session_state.board_undo, st.session_state.board_redo = [], []
    commit(board, record=False)
uploaded = c2.file_uploader("…or import a storyboard JSON", type=["json"])
if uploaded is not None and st.session_state.get("imported") != uploaded.file_id:
    try:
        board = load_storyboard(uploaded.getvalue().decode("utf-8", errors="replace"))
        board.id = uuid.uuid4().hex[:12]
        st.session_state.imported = uploaded.file_id
        commit(board, record=False)
        st.success(f"Imported “{board.title}” ({len(board.cards)} cards).")
    except engine.GitaError as exc:
        st.error(str(exc))

board = current()
if board is None:
    st.info("Pick a saved story (write one in the Story composer) or import a storyboard JSON.")
    st.stop()

rev = st.session_state.get("board_rev", 0)
t1, t2, t3, t4, t5 = st.columns(5)
if t1.button("↩️ Undo", disabled=not st.session_state.get("board_undo")):
    st.session_state.setdefault("board_redo", []).append(st.session_state.board)
    st.session_state.board = st.session_state.board_undo.pop()
    st.session_state.board_rev = rev + 1
    boards.save(current())
    st.rerun()
if t2.button("↪️ Redo", disabled=not st.session_state.get("board_redo")):
    st.session_state.board_undo.append(st.session_state.board)
    st.session_state.board = st.session_state.board_redo.pop()
    st.session_state.board_rev = rev + 1
    boards.save(current())
    st.rerun()
aspect = t3.selectbox("Shape", ["16:9", "9:16"], index=["16:9", "9:16"].index(board.aspect), key=f"aspect-{rev}")
music = t4.toggle("Tanpura music", board.music, key=f"music-{rev}")
subs = t5.toggle("Subtitles on the video", board.subtitles_burned, key=f"subs-{rev}")
if (aspect, music, subs) != (board.aspect, board.music, board.subtitles_burned):
    commit(board.model_copy(update={"aspect": aspect, "music": music, "subtitles_burned": subs}))
    st.rerun()
st.caption(f"“{board.title}” · {len(board.cards)} cards · saved automatically · SRT is always written beside the video")

for i, card in enumerate(board.cards):
    with st.container(border=True):
        left, right = st.columns([2, 3])
        pic = Path(card.picture_path) if card.picture_path and Path(card.picture_path).exists() else \
            studio.picture(card.picture, (480, 270) if board.aspect == "16:9" else (270, 480))
        left.image(str(pic), caption=f"{i + 1}. {card.kind}")
        up = left.file_uploader("Your own picture", type=["png", "jpg", "jpeg"], key=f"up-{card.id}-{rev}")
        text = right.text_area("Narration", card.narration, key=f"text-{card.id}-{rev}", height=100)
        a, b, c = right.columns(3)
        duration = a.number_input("Seconds (0 = from narration)", 0.0, 120.0, float(card.duration or 0), 0.5,
                                  key=f"dur-{card.id}-{rev}")
        voice = b.selectbox("Voice", ["auto", "piper", "espeak", "edge"], ["auto", "piper", "espeak", "edge"].index(card.voice),
                            key=f"voice-{card.id}-{rev}", help="edge needs the internet; offline the bundled voice speaks")
        trans = c.selectbox("Transition", ["crossfade", "cut"], ["crossfade", "cut"].index(card.transition),
                            key=f"tr-{card.id}-{rev}")
        updated = card.model_copy(update={"narration": text, "duration": duration or None, "voice": voice, "transition": trans})
        if up is not None:
            folder = studio.settings.data_dir / "uploads"
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / f"{card.id}-{uuid.uuid4().hex[:6]}{Path(up.name).suffix.lower()}"
            dest.write_bytes(up.getvalue())
            updated = updated.model_copy(update={"picture_path": str(dest)})
        if updated != card:
            cards = list(board.cards)
            cards[i] = updated
            commit(board.model_copy(update={"cards": cards}))
            st.rerun()
        m1, m2, m3, m4, m5 = right.columns(5)
        cards = list(board.cards)
        if m1.button("⬆️", key=f"upb-{card.id}", disabled=i == 0, help="Move up"):
            cards[i - 1], cards[i] = cards[i], cards[i - 1]
        if m2.button("⬇️", key=f"down-{card.id}", disabled=i == len(cards) - 1, help="Move down"):
            cards[i + 1], cards[i] = cards[i], cards[i + 1]
        if m3.button("📋", key=f"dup-{card.id}", help="Duplicate"):
            cards.insert(i + 1, card.model_copy(update={"id": uuid.uuid4().hex[:8]}))
        if m4.button("🗑", key=f"del-{card.id}", help="Delete"):
            cards.pop(i)
        if cards != list(board.cards):
            commit(board.model_copy(update={"cards": cards}))
            st.rerun()
        if m5.button("🔊", key=f"hear-{card.id}", help="Preview the narration", disabled=not card.narration.strip()):
            try:
                st.audio(str(studio.narrate(card.narration, card.language, card.voice).path))
            except engine.GitaError as exc:
                st.warning(str(exc))

if st.button("➕ Add a scene"):
    commit(board.model_copy(update={"cards": [*board.cards[:-1], Card(narration="", picture=PictureSpec(mood="happy")),
                                              board.cards[-1]] if board.cards else [Card()]}))
    st.rerun()

st.divider()


@st.cache_data(ttl=60, show_spinner=False)
def diffusion_problem(source: str | None, offline: bool) -> str | None:
    """Why Stable Diffusion cannot draw here (None if it can); probed once a minute, not on every rerun."""
    from engine.media.diffusion import DiffusionIllustrator, DiffusionUnavailable

    try:
        DiffusionIllustrator(source, offline=offline).check()
    except DiffusionUnavailable as exc:
        return str(exc)
    return None


job: RenderJob | None = st.session_state.get("render_job")
pictures = st.radio("Pictures", ["illustrator", "diffusion"], horizontal=True, key="picture-backend",
                    format_func={"illustrator": "🖍️ Storybook illustrator (offline)",
                                 "diffusion": "🧪 Stable Diffusion (needs its weights)"}.get,
                    help="Stable Diffusion needs weights in GITA_DIFFUSION_MODEL, or the internet to download them. "
                         "Without them the storybook illustrator draws, and the result says so.")
if pictures == "diffusion":
    problem = diffusion_problem(studio.settings.diffusion_model, studio.settings.offline)
    if problem:
        st.info(problem)
    else:
        st.caption("Stable Diffusion weights found: pictures take about a minute each on a CPU.")
r1, r2, r3 = st.columns(3)
if r1.button("🎬 Render the video", type="primary", disabled=bool(job and job.running)):
    out = studio.settings.data_dir / "videos" / f"{board.id}.mp4"
    st.session_state.render_job = RenderJob(board=board, out=out, pictures=pictures).start(studio)
    st.rerun()
r2.download_button("⬇️ Storyboard JSON", board.model_dump_json(indent=2), f"{board.id}.json", "application/json")
if r3.button("📄 Contact sheet PDF"):
    pics = [Path(c.picture_path) if c.picture_path and Path(c.picture_path).exists() else studio.picture(c.picture)
            for c in board.cards]
    st.download_button("⬇️ Download the contact sheet", contact_sheet(board.title, board.cards, pics,
                                                                      studio.settings.assets_dir / "fonts"),
                       f"{board.id}-storyboard.pdf", "application/pdf")


@st.fragment(run_every=1.0)
def render_status():
    job: RenderJob | None = st.session_state.get("render_job")
    if job is None:
        return
    if job.running:
        st.progress(job.fraction, text=job.message)
        if st.button("✋ Cancel"):
            job.cancel.set()
        return
    if job.error:
        st.warning(job.error)
    elif job.result is not None:
        res = job.result
        st.success(f"Video ready: {sum(res.durations):.0f} s, made in {res.seconds:.0f} s.")
        for w in res.warnings:
            st.warning(w)
        st.video(str(res.video))
        d1, d2 = st.columns(2)
        d1.download_button("⬇️ MP4", Path(res.video).read_bytes(), "gita-tales.mp4", "video/mp4")
        d2.download_button("⬇️ SRT subtitles", Path(res.srt).read_text(encoding="utf-8"), "gita-tales.srt", "text/plain")


render_status()
