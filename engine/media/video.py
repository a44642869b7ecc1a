"""Video: moviepy writes each card as a cached segment; ffmpeg joins them and adds the sound.

The fast path: each picture is scaled once, a little larger than the frame, and every frame is
a numpy slice of it (a gentle pan, no per-frame resize); crossfades blend only the last half
second; burned-in subtitles are pre-drawn strips blended onto the bottom rows. A segment is
cached by a hash of everything that shapes it, so only changed cards are rendered again.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .pictures import draw_runs, script_runs
from .subtitles import Cue

PAN = 0.08            # the picture is this much larger than the frame, the room the pan moves in
CROSSFADE_S = 0.5
PRESET = "ultrafast"  # x264 preset: the render must stay many times faster than real time on 2 cores
VIDEO_VERSION = 1


class Cancelled(Exception):
    """The user pressed cancel."""


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def subtitle_strip(text: str, width: int, fonts_dir: Path) -> np.ndarray:
    """An RGBA strip (height about 12% of a 720p frame) with the subtitle, Devanagari shaped."""
    size = max(18, width // 40)
    h = int(size * 2.6)
    img = Image.new("RGBA", (width, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    runs = script_runs(text, str(fonts_dir / "NotoSans-Bold.ttf"), str(fonts_dir / "NotoSansDevanagari-Bold.ttf"), size)
    tw = sum(d.textlength(p, font=f) for p, f in runs)
    x = max(8, (width - tw) / 2)
    d.rounded_rectangle([x - size * 0.5, size * 0.3, x + tw + size * 0.5, size * 2.1], radius=size // 2, fill=(0, 0, 0, 150))
    draw_runs(d, (x, size * 0.45), runs, (255, 255, 255, 255))
    return np.asarray(img)


def _prepared(strip: np.ndarray) -> tuple[int, int, int, np.ndarray, np.ndarray]:
    """A subtitle strip cut to its visible columns, with integer alpha ready for blending."""
    cols = np.nonzero(strip[:, :, 3].max(axis=0))[0]
    x0, x1 = (int(cols[0]), int(cols[-1]) + 1) if len(cols) else (0, 1)
    part = strip[:, x0:x1].astype(np.uint16)
    alpha = part[:, :, 3:4]
    return x0, x1, strip.shape[0], 256 - alpha, part[:, :, :3] * alpha


def segment_key(picture: Path, next_picture: Path | None, duration: float, size: tuple[int, int], fps: int,
                cues: list[Cue], direction: int, crossfade: bool) -> str:
    h = hashlib.sha256(f"v{VIDEO_VERSION}|{size}|{fps}|{duration:.3f}|{direction}|{crossfade}".encode())
    for p in (picture, next_picture):
        h.update(p.read_bytes() if p else b"-")
    for c in cues:
        h.update(f"{c.start:.3f}|{c.end:.3f}|{c.text}".encode())
    return h.hexdigest()[:20]


def _load(path: Path, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    img = Image.open(path).convert("RGB")
    # cover the frame plus the pan margin, keeping the picture's shape
    scale = max(w * (1 + PAN) / img.width, h * (1 + PAN) / img.height)
    img = img.resize((int(img.width * scale + 0.5), int(img.height * scale + 0.5)), Image.LANCZOS)
    return np.asarray(img)


def render_segment(picture: Path, next_picture: Path | None, duration: float, size: tuple[int, int], fps: int,
                   cues: list[Cue], direction: int, crossfade: bool, out: Path, fonts_dir: Path,
                   cancel: threading.Event | None = None) -> Path:
    """One card as a silent MP4 segment (cues are relative to the segment start)."""
    from moviepy import VideoClip

    w, h = size
    src = _load(picture, size)
    nxt = _load(next_picture, size) if (next_picture and crossfade) else None
    strips = [(c, _prepared(subtitle_strip(c.text, w, fonts_dir))) for c in cues]
    dx, dy = [(1, 0.5), (-1, 0.5), (0.5, 1), (0.5, -1)][direction % 4]

    def window(arr: np.ndarray, t: float, d: float) -> np.ndarray:
        f = min(max(t / max(d, 1e-6), 0.0), 1.0)
        fx = f if dx == 1 else (1 - f) if dx == -1 else 0.5
        fy = f if dy == 1 else (1 - f) if dy == -1 else 0.5
        x, y = int(fx * (arr.shape[1] - w)), int(fy * (arr.shape[0] - h))
        return arr[y:y + h, x:x + w]

    def frame(t: float) -> np.ndarray:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        img = window(src, t, duration)
        fade_at = duration - CROSSFADE_S
        if nxt is not None and t > fade_at:
            a = (t - fade_at) / CROSSFADE_S
            img = (img.astype(np.float32) * (1 - a) + window(nxt, 0.0, 1.0).astype(np.float32) * a).astype(np.uint8)
        for cue, (x0, x1, sh, inv_alpha, premul) in strips:
            if cue.start <= t < cue.end:
                img = np.array(img, copy=True)
                y0 = h - sh - int(h * 0.04)
                region = img[y0:y0 + sh, x0:x1].astype(np.uint16)
                img[y0:y0 + sh, x0:x1] = ((region * inv_alpha + premul) >> 8).astype(np.uint8)
                break
        return img

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.mp4")
    clip = VideoClip(frame_function=frame, duration=duration)
    clip.write_videofile(str(tmp), fps=fps, codec="libx264", preset=PRESET, audio=False, threads=2, logger=None,
                         ffmpeg_params=["-pix_fmt", "yuv420p", "-g", str(fps * 2)])
    tmp.replace(out)
    return out


def join(segments: list[Path], audio_wav: Path, out: Path) -> Path:
    """Concatenate segments (no re-encode) and add the sound track."""
    listing = out.with_name(out.stem + ".segments.txt")
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in segments), encoding="utf-8")
    tmp = out.with_name(out.stem + ".part.mp4")
    subprocess.run([_ffmpeg(), "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing),
                    "-i", str(audio_wav), "-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-shortest",
                    "-movflags", "+faststart", str(tmp)], check=True, capture_output=True)
    listing.unlink(missing_ok=True)
    tmp.replace(out)
    return out
