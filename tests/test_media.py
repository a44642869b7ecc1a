"""Storyboards and the media pipeline: pictures, narration, subtitles, video."""

import json
import threading
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine import InvalidInput
from engine.media import narration as narration_mod
from engine.media.music import duck, tanpura_drone
from engine.media.narration import NarrationRequest, narrate
from engine.media.pictures import Illustrator, PictureRequest
from engine.media.render import RenderOptions, render_storyboard
from engine.media.subtitles import cues_for, split_text, write_srt
from engine.media.video import Cancelled, SegmentFrames, i420_to_rgb
from engine.storage import Database
from engine.story import StoryComposer
from engine.story_models import StoryRequest
from engine.storyboard import (
    SCHEMA_VERSION,
    Card,
    PictureSpec,
    Storyboard,
    StoryboardStore,
    from_story,
    load_storyboard,
)
from tests import pdf_pages


@pytest.fixture(scope="module")
def story(library):
    return StoryComposer(library).compose(StoryRequest(verse="2.47", interests=["cricket"], name="Asha"))


def test_storyboard_from_story_and_json_round_trip(story, library):
    board = from_story(story, str(library.recitation(library.verse("2.47"))))
    kinds = [c.kind for c in board.cards]
    assert kinds[0] == "title" and kinds[-1] == "end" and "recitation" in kinds
    assert kinds.count("scene") == len(story.scenes)
    assert board.schema_version == SCHEMA_VERSION
    assert load_storyboard(board.model_dump_json()) == board


def test_older_storyboard_is_migrated_not_rejected():
    old = {"title": "Old one", "verse": "2.47", "scenes": [{"text": "Asha plays.", "seconds": 4}, {"text": "She smiles."}]}
    board = load_storyboard(json.dumps(old))
    assert board.schema_version == SCHEMA_VERSION and [c.narration for c in board.cards] == ["Asha plays.", "She smiles."]
    assert board.cards[0].duration == 4


@pytest.mark.parametrize("bad,message", [("{not json", "not valid JSON"), ("[1, 2]", "one JSON object"),
                                         (json.dumps({"schema_version": 99}), "newer Gita Tales"),
                                         (json.dumps({"schema_version": 2, "cards": [{"kind": "movie"}]}), "problem at cards")])
def test_bad_storyboard_json(bad, message):
    with pytest.raises(InvalidInput, match=message):
        load_storyboard(bad)


def test_storyboards_autosave_in_sqlite(tmp_path, story):
    from engine.stories_store import StoryStore

    db = Database(tmp_path / "db.sqlite3")
    store = StoryboardStore(db)
    orphan = from_story(story)
    store.save(orphan)  # its story is not in this library: saved, not linked
    assert store.get(orphan.id).title == story.title and store.for_story(story.id) is None
    store.delete(orphan.id)
    StoryStore(db).save(story)
    board = from_story(story)
    store.save(board)
    board.cards[1].narration = "Edited."
    store.save(board)
    assert store.get(board.id).cards[1].narration == "Edited."
    assert store.for_story(story.id).id == board.id
    store.delete(board.id)
    assert store.for_story(story.id) is None


def test_illustrator_draws_consistent_characters(studio, tmp_path):
    il = Illustrator(studio.settings.assets_dir)
    a = il.draw(PictureRequest(setting="the park", characters=["Asha", "Sam"], width=320, height=180))
    b = il.draw(PictureRequest(setting="the park", characters=["Asha", "Sam"], width=320, height=180))
    assert np.array_equal(np.asarray(a), np.asarray(b))  # same child, same look
    assert il._look("Asha") == il._look("Asha")
    krishna = np.asarray(il.draw(PictureRequest(description="Krishna with a chariot", characters=["Krishna"], width=320, height=180)))
    k = krishna.astype(int)
    blue = ((k[:, :, 2] - k[:, :, 0] > 80) & (k[:, :, 2] > 150)).sum()  # the desert sky has no such blue
    assert blue > 50, "Krishna is drawn with blue skin"
    assert il.setting_for(PictureRequest(description="Krishna beside a chariot")) == "kurukshetra"
    capped = il.render(PictureRequest(caption="भगवद गीता 2.47 · Krishna", width=320, height=180), tmp_path)
    assert Image.open(capped.path).size == (320, 180)


def test_contact_sheet_is_a_pdf_page_per_six_cards(studio, story, tmp_path):
    from engine.export import contact_sheet

    board = from_story(story, None)
    il = Illustrator(studio.settings.assets_dir)
    pics = [il.render(PictureRequest(caption=f"{i + 1}", width=320, height=180), tmp_path / str(i)).path
            for i in range(len(board.cards))]
    pdf = contact_sheet("आशा और गीता", board.cards, pics, studio.settings.assets_dir / "fonts")
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == -(-len(board.cards) // 6)
    assert b"NotoSansDevanagariBold" in pdf  # the bold title's Devanagari, in the bold face


def test_narration_backends(tmp_path, monkeypatch):
    en = narrate(NarrationRequest(text="Krishna tells Arjuna to do his best."), tmp_path)
    assert en.backend == "piper" and en.seconds > 1.0
    again = narrate(NarrationRequest(text="Krishna tells Arjuna to do his best."), tmp_path)
    assert again.path == en.path  # cached
    hi = narrate(NarrationRequest(text="कृष्ण अर्जुन से कहते हैं।", language="hi"), tmp_path)
    assert hi.backend == "espeak" and hi.seconds > 0.5
    offline = narrate(NarrationRequest(text="hello friend", backend="edge"), tmp_path, offline=True)
    assert offline.backend == "piper" and "internet" in offline.warnings[0]

    def fake_edge(text, out, language, speed=1.0):  # the network call replaced
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
            w.writeframes(b"\0\0" * 22050)
    monkeypatch.setattr(narration_mod, "speak_edge", fake_edge)
    online = narrate(NarrationRequest(text="hello online", backend="edge"), tmp_path, offline=False, probe=lambda: True)
    assert online.backend == "edge" and online.seconds == pytest.approx(1.0) and not online.warnings


def test_subtitles(tmp_path):
    chunks = split_text("One two three four five six seven eight nine ten eleven twelve thirteen. Short one.")
    assert len(chunks) == 3 and all(len(c.split()) <= 12 for c in chunks)
    cues = cues_for("Hello there. Bye now.", 1.0, 4.0)
    assert cues[0].start == 1.0 and cues[-1].end == pytest.approx(5.0)
    text = write_srt(cues, tmp_path / "x.srt").read_text()
    assert "00:00:01,000 -->" in text and "Bye now." in text


def test_music_ducks_under_the_voice():
    music = tanpura_drone(4.0)
    voice = np.zeros_like(music)
    voice[: len(voice) // 2] = 0.5 * np.sin(np.arange(len(voice) // 2) * 0.1)
    out = duck(music, voice)
    first, second = np.abs(out[: len(out) // 2 - 4000]).mean(), np.abs(out[len(out) // 2 + 4000:]).mean()
    assert second > 2 * first  # louder in the pause than under the voice


def _frames(tmp_path, picture: Image.Image, direction: int, cues=(), next_picture: Image.Image | None = None):
    picture.save(tmp_path / "p.png")
    nxt = None
    if next_picture is not None:
        next_picture.save(tmp_path / "n.png")
        nxt = tmp_path / "n.png"
    fonts = Path(__file__).resolve().parent.parent / "assets" / "fonts"
    return SegmentFrames(tmp_path / "p.png", nxt, 4.0, (320, 180), list(cues), direction, fonts)


def test_video_frames_pan_zoom_crossfade_and_subtitles(tmp_path):
    from engine.media.subtitles import Cue

    w, h = 320, 180
    halves = Image.new("RGB", (w, h), "black")
    halves.paste((255, 255, 255), (w // 2, 0, w, h))  # left black, right white
    pan = _frames(tmp_path, halves, 0)  # pan right: the window moves towards the white half
    start, end = i420_to_rgb(pan.frame(0.0), (w, h)), i420_to_rgb(pan.frame(4.0), (w, h))
    assert pan.frame(0.0).shape == (h * 3 // 2, w)
    assert end.mean() > start.mean() + 5
    left = _frames(tmp_path, halves, 2)  # pan left: the other way
    assert i420_to_rgb(left.frame(4.0), (w, h)).mean() < i420_to_rgb(left.frame(0.0), (w, h)).mean() - 5

    square = Image.new("RGB", (w, h), "black")
    square.paste((255, 255, 255), (w // 2 - 40, h // 2 - 40, w // 2 + 40, h // 2 + 40))
    zoom_in = _frames(tmp_path, square, 1)  # zoom in: the centred square grows
    white = lambda f: (i420_to_rgb(f, (w, h))[:, :, 0] > 128).sum()
    assert white(zoom_in.frame(4.0)) > 1.1 * white(zoom_in.frame(0.0))
    zoom_out = _frames(tmp_path, square, 3)
    assert white(zoom_out.frame(4.0)) < white(zoom_out.frame(0.0)) / 1.1

    red = Image.new("RGB", (w, h), (220, 30, 30))
    fade = _frames(tmp_path, Image.new("RGB", (w, h), (30, 30, 220)), 0, next_picture=red)
    first, last = i420_to_rgb(fade.frame(0.0), (w, h)), i420_to_rgb(fade.frame(3.99), (w, h))
    assert abs(int(first[..., 2].mean()) - 220) < 6 and last[..., 0].mean() > 180  # blue, then fading into red

    subs = _frames(tmp_path, Image.new("RGB", (w, h), (30, 30, 220)), 0, cues=[Cue(index=1, start=1.0, end=2.0, text="Hello Asha")])
    plain, captioned = i420_to_rgb(subs.frame(0.5), (w, h)), i420_to_rgb(subs.frame(1.5), (w, h))
    assert np.abs(plain[: h // 2].astype(int) - captioned[: h // 2]).max() <= 2  # the top is untouched
    assert np.abs(plain[h // 2:].astype(int) - captioned[h // 2:]).max() > 100  # white letters at the bottom


def _board(n=3, **kw):
    cards = [Card(narration=f"Scene {i + 1}. Asha plays cricket with Sam.",
                  picture=PictureSpec(setting="the park", characters=["Asha"], mood="happy"), **kw) for i in range(n)]
    return Storyboard(title="Test", cards=cards)


def test_render_stops_after_any_stage(studio, tmp_path):
    res = render_storyboard(_board(), RenderOptions(out=tmp_path / "a.mp4", stop_after="pictures"),
                            studio.settings.assets_dir, tmp_path / "cache")
    assert res.stages == ["pictures"] and len(res.pictures) == 3 and res.video is None
    res = render_storyboard(_board(), RenderOptions(out=tmp_path / "a.mp4", stop_after="subtitles"),
                            studio.settings.assets_dir, tmp_path / "cache")
    assert res.stages == ["pictures", "narration", "subtitles"] and res.srt.exists() and res.video is None
    with pytest.raises(InvalidInput):
        render_storyboard(Storyboard(), RenderOptions(out=tmp_path / "b.mp4"), studio.settings.assets_dir, tmp_path)


@pytest.mark.slow
def test_full_render_with_warnings_cache_and_cancel(studio, tmp_path):
    import subprocess

    import imageio_ffmpeg

    board = _board(3)
    board.cards[0].picture_path = str(tmp_path / "missing.png")  # a failed upload becomes a warning
    board.cards[2].narration = ""
    res = render_storyboard(board, RenderOptions(out=tmp_path / "v.mp4"), studio.settings.assets_dir, tmp_path / "cache")
    assert res.video.exists() and res.srt.exists() and "missing" in res.warnings[0]
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(res.video)], check=False, capture_output=True, text=True).stderr
    assert "1280x720" in probe and "Audio" in probe
    assert sum(res.durations) > 5
    segments = sorted((tmp_path / "cache" / "segments").glob("*.mp4"))
    board.cards[1].narration = "A changed scene. Asha laughs."
    render_storyboard(board, RenderOptions(out=tmp_path / "v2.mp4"), studio.settings.assets_dir, tmp_path / "cache")
    after = sorted((tmp_path / "cache" / "segments").glob("*.mp4"))
    assert set(segments) <= set(after) and 1 <= len(after) - len(segments) <= 2  # only the changed scenes again
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        render_storyboard(_board(2), RenderOptions(out=tmp_path / "c.mp4"), studio.settings.assets_dir, tmp_path / "c2",
                          cancel=cancel)


@pytest.mark.slow
def test_cli_render_writes_mp4_and_srt(tmp_path, story):
    import os
    import shutil
    import subprocess
    import sys

    exe = shutil.which("gita-tales", path=os.path.dirname(sys.executable))
    src = tmp_path / "story.json"
    src.write_text(json.dumps(story.cli_json()))
    out = subprocess.run([exe, "render", str(src), "--out", str(tmp_path / "video.mp4"), "--json"], check=False, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "video.mp4").stat().st_size > 10_000 and (tmp_path / "video.srt").exists()
    bad = subprocess.run([exe, "render", str(tmp_path / "nope.json")], check=False, capture_output=True, text=True)
    assert bad.returncode == 2 and "No file" in bad.stderr
