"""Video speed: a 10-scene, 60-second storyboard (6 s a card) at 1280x720, rendered by Gita Tales and by a
plain ffmpeg render of the same pictures and sound (zoompan, same size, frame rate and x264 preset),
side by side in one run; and the narration real-time factor.

    .venv/bin/python bench/video.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from engine import open_studio
from engine.media.narration import NarrationRequest, narrate
from engine.media.render import RenderOptions, render_storyboard
from engine.media.video import PRESET, _ffmpeg
from engine.storyboard import Card, PictureSpec, Storyboard

LINES = [
    "Asha loved to play cricket with her friend Sam at the park after school.",
    "One day there was a big match, and Asha worried about winning all week.",
    "She practised every evening, but on Friday she dropped an easy catch.",
    "Asha sat under the tree and felt like giving up on cricket.",
    "Grandma sat beside her and told her a story from the Bhagavad Gita.",
    "Krishna told Arjuna to do his work well and let go of the prize.",
    "Asha thought about it. The part that was hers was trying her best.",
    "On the big day she played with all her heart and had fun with Sam.",
    "Her team did not win, but Asha felt proud and light inside.",
    "The big idea: do your best, and let go of the result.",
]


def main() -> None:
    studio = open_studio()
    work = Path(tempfile.mkdtemp(prefix="gita-bench-video-"))
    cards = [Card(narration=t, duration=6.0, picture=PictureSpec(description=t, characters=["Asha", "Sam"] if i % 3 else ["Grandma", "Asha"],
                                                   setting="the park", mood="happy")) for i, t in enumerate(LINES)]
    board = Storyboard(title="Bench", cards=cards)

    # narration real-time factor (warm voice, fresh texts)
    narrate(NarrationRequest(text="Warm up the voice."), work / "warm")
    t = time.perf_counter()
    spoken = sum(narrate(NarrationRequest(text=line), work / "rtf").seconds for line in LINES)
    rtf = (time.perf_counter() - t) / spoken

    # pictures and narration once (both renders use the same files), then the two video paths
    pre = render_storyboard(board, RenderOptions(out=work / "pre.mp4", stop_after="subtitles"), studio.settings.assets_dir,
                            work / "cache")
    duration = sum(pre.durations)
    t = time.perf_counter()
    render_storyboard(board, RenderOptions(out=work / "ours.mp4"), studio.settings.assets_dir, work / "cache")
    ours_s = time.perf_counter() - t

    t = time.perf_counter()
    parts = []
    for i, (pic, d) in enumerate(zip(pre.pictures, pre.durations)):
        frames = int(d * board.fps)
        part = work / f"plain{i}.mp4"
        subprocess.run([_ffmpeg(), "-y", "-loglevel", "error", "-loop", "1", "-i", str(pic), "-vf",
                        f"zoompan=z='min(zoom+0.0008,1.08)':d={frames}:s=1280x720:fps={board.fps}", "-frames:v", str(frames),
                        "-c:v", "libx264", "-preset", PRESET, "-pix_fmt", "yuv420p", "-threads", "2", str(part)], check=True)
        parts.append(part)
    (work / "list.txt").write_text("".join(f"file '{p}'\n" for p in parts))
    subprocess.run([_ffmpeg(), "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(work / "list.txt"),
                    "-i", str(pre.audio), "-c:v", "copy", "-c:a", "aac", "-shortest", str(work / "plain.mp4")], check=True)
    plain_s = time.perf_counter() - t

    t = time.perf_counter()
    render_storyboard(board, RenderOptions(out=work / "again.mp4"), studio.settings.assets_dir, work / "cache")
    cached_s = time.perf_counter() - t
    print(f"10 scenes, {duration:.1f} s of video at 1280x720, {board.fps} fps, x264 {PRESET}:")
    print(f"  Gita Tales render (crossfades, pan and zoom, burned subtitles, music): {ours_s:.1f} s = {duration / ours_s:.1f}x real time")
    print(f"  plain ffmpeg zoompan render of the same pictures and sound:   {plain_s:.1f} s = {duration / plain_s:.1f}x real time")
    print(f"  ratio ours / plain: {ours_s / plain_s:.2f} (goal <= 1.5); goal >= 5x real time")
    print(f"  render again with nothing changed (cached segments): {cached_s:.1f} s")
    print(f"Narration real-time factor (piper, warm): {rtf:.3f} (goal <= 0.1) over {spoken:.1f} s of speech")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
