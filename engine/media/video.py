"""Video: moviepy drives each card as a cached segment; ffmpeg joins them and adds the sound.

The fast path. A naive render resizes an RGB picture for every frame and pipes RGB to ffmpeg,
which converts every frame to YUV again. Here each picture is scaled once, a little larger than
the frame, and converted once to YUV 4:2:0 planes (I420, what x264 encodes). A frame is then a
numpy slice of those planes (a gentle pan) or one OpenCV resize of a window of them (a gentle
zoom), and it goes to ffmpeg as I420: no RGB conversion per frame and half the bytes in the pipe. Crossfades blend only the last half second; burned-in subtitles are strips
drawn once, converted to I420 with their alpha and blended into the bottom rows. A segment is
cached by a hash of everything that shapes it, so only changed cards are rendered again.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..fonts import DEVANAGARI_BOLD_TTF, LATIN_BOLD_TTF
from .pictures import draw_runs, script_runs
from .subtitles import Cue

PAN = 0.08            # the picture is this much larger than the frame: the room the pan and the zoom move in
CROSSFADE_S = 0.5
PRESET = "ultrafast"  # x264 preset: the render must stay many times faster than real time on 2 cores
VIDEO_VERSION = 2
#: the camera move of card i is MOTIONS[i % 4]
MOTIONS = ("pan_right", "zoom_in", "pan_left", "zoom_out")


class Cancelled(Exception):
    """The user pressed cancel."""


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def subtitle_strip(text: str, width: int, fonts_dir: Path) -> np.ndarray:
    """An RGBA strip (height about 12% of a 720p frame) with the subtitle, Devanagari shaped."""
    size = max(18, width // 40)
    h = int(size * 2.6) // 2 * 2
    img = Image.new("RGBA", (width, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    runs = script_runs(text, str(fonts_dir / LATIN_BOLD_TTF), str(fonts_dir / DEVANAGARI_BOLD_TTF), size)
    tw = sum(d.textlength(p, font=f) for p, f in runs)
    x = max(8, (width - tw) / 2)
    d.rounded_rectangle([x - size * 0.5, size * 0.3, x + tw + size * 0.5, size * 2.1], radius=size // 2, fill=(0, 0, 0, 150))
    draw_runs(d, (x, size * 0.45), runs, (255, 255, 255, 255))
    return np.asarray(img)


def to_i420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y, U and V planes (BT.601 limited range, as ffmpeg's own RGB conversion) of an RGB image cut to even sides."""
    import cv2

    h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
    return _planes(cv2.cvtColor(np.ascontiguousarray(rgb[:h, :w, :3]), cv2.COLOR_RGB2YUV_I420).ravel(), w, h)


def _planes(flat: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of a flat I420 buffer of a w x h image."""
    n, q = h * w, (h // 2) * (w // 2)
    return flat[:n].reshape(h, w), flat[n:n + q].reshape(h // 2, w // 2), flat[n + q:n + 2 * q].reshape(h // 2, w // 2)


def i420_to_rgb(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """An I420 frame as RGB (for previews and tests)."""
    import cv2

    w, h = size
    return cv2.cvtColor(frame.reshape(h * 3 // 2, w), cv2.COLOR_YUV2RGB_I420)


class _Subtitle:
    """A subtitle strip as I420 planes with 8-bit alpha, ready to blend into a frame's bottom rows."""

    def __init__(self, cue: Cue, size: tuple[int, int], fonts_dir: Path):
        w, h = size
        strip = subtitle_strip(cue.text, w, fonts_dir)
        cols = np.nonzero(strip[:, :, 3].max(axis=0))[0]
        x0, x1 = (int(cols[0]) // 2 * 2, min(w, (int(cols[-1]) + 2) // 2 * 2)) if len(cols) else (0, 2)
        part = strip[:, x0:x1]
        self.start, self.end, self.x0 = cue.start, cue.end, x0
        self.y0 = (h - part.shape[0] - int(h * 0.04)) // 2 * 2
        alpha = part[:, :, 3].astype(np.uint16)
        chroma_alpha = alpha[::2, ::2]
        self.planes = [(256 - a, p.astype(np.uint16) * a) for p, a in zip(to_i420(part), (alpha, chroma_alpha, chroma_alpha))]

    def blend(self, planes) -> None:
        for k, (plane, (inv, premul)) in enumerate(zip(planes, self.planes)):
            f = 1 if k == 0 else 2
            y0, x0 = self.y0 // f, self.x0 // f
            region = plane[y0:y0 + inv.shape[0], x0:x0 + inv.shape[1]]
            region[...] = (region * inv + premul) >> 8


class SegmentFrames:
    """The frames of one card: the camera move over its picture, the crossfade into the next card,
    and the burned-in subtitles. ``frame(t)`` is an I420 frame, shape (height * 3 / 2, width)."""

    def __init__(self, picture: Path, next_picture: Path | None, duration: float, size: tuple[int, int],
                 cues: list[Cue], direction: int, fonts_dir: Path):
        self.size, self.duration, self.direction = size, duration, direction
        self.src = to_i420(_load(picture, size))
        self.next_first = None
        if next_picture is not None:
            nxt = to_i420(_load(next_picture, size))
            self.next_first = self._move(nxt, 0.0, 1.0, direction + 1)
        self.subtitles = [_Subtitle(c, size, fonts_dir) for c in cues]

    def _move(self, planes, t: float, d: float, direction: int) -> np.ndarray:
        """One frame of the card's camera move over ``planes``, as a flat I420 buffer."""
        import cv2

        w, h = self.size
        f = min(max(t / max(d, 1e-6), 0.0), 1.0)
        f = f * f * (3 - 2 * f)  # ease in and out: the camera starts and stops gently
        Y, U, V = planes
        motion = MOTIONS[direction % 4]
        if motion.startswith("pan"):
            fx = f if motion == "pan_right" else 1 - f
            x, y = int(fx * (Y.shape[1] - w)), (Y.shape[0] - h) // 2
            parts = [Y[y:y + h, x:x + w], U[y // 2:y // 2 + h // 2, x // 2:x // 2 + w // 2],
                     V[y // 2:y // 2 + h // 2, x // 2:x // 2 + w // 2]]
        else:
            # the visible part of the picture shrinks (zoom in) or grows (zoom out), centred; its corners are
            # whole pixels (as in ffmpeg's zoompan), and one resize per plane scales it to the frame
            zoom = 1 + PAN * (f if motion == "zoom_in" else 1 - f)
            scale = min(Y.shape[1] / w, Y.shape[0] / h) / zoom  # source pixels per output pixel
            vw, vh = int(w * scale / 2 + 0.5) * 2, int(h * scale / 2 + 0.5) * 2
            x, y = (Y.shape[1] - vw) // 4 * 2, (Y.shape[0] - vh) // 4 * 2
            parts = [cv2.resize(Y[y:y + vh, x:x + vw], (w, h), interpolation=cv2.INTER_LINEAR)]
            for plane in (U, V):
                parts.append(cv2.resize(plane[y // 2:(y + vh) // 2, x // 2:(x + vw) // 2], (w // 2, h // 2),
                                        interpolation=cv2.INTER_LINEAR))
        return np.concatenate([p.ravel() for p in parts])

    def frame(self, t: float) -> np.ndarray:
        w, h = self.size
        buf = self._move(self.src, t, self.duration, self.direction)
        fade_at = self.duration - CROSSFADE_S
        if self.next_first is not None and t > fade_at:
            a = int(256 * min((t - fade_at) / CROSSFADE_S, 1.0))
            buf = ((buf.astype(np.uint16) * (256 - a) + self.next_first.astype(np.uint16) * a) >> 8).astype(np.uint8)
        for sub in self.subtitles:
            if sub.start <= t < sub.end:
                sub.blend(_planes(buf, w, h))
                break
        return buf.reshape(h * 3 // 2, w)


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


class _I420Writer:
    """ffmpeg reading raw I420 frames from a pipe (moviepy's own writer only takes RGB)."""

    def __init__(self, out: Path, size: tuple[int, int], fps: int):
        w, h = size
        cmd = [_ffmpeg(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}",
               "-r", str(fps), "-i", "-", "-an", "-c:v", "libx264", "-preset", PRESET, "-pix_fmt", "yuv420p",
               "-g", str(fps * 2), "-threads", "2", str(out)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def write(self, frame: np.ndarray) -> None:
        try:
            self.proc.stdin.write(memoryview(np.ascontiguousarray(frame)).cast("B"))
        except BrokenPipeError as exc:
            raise RuntimeError(f"ffmpeg stopped: {self.proc.stderr.read().decode(errors='replace')[-500:]}") from exc

    def close(self, ok: bool = True) -> None:
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode(errors="replace")
        code = self.proc.wait()
        if ok and code != 0:
            raise RuntimeError(f"ffmpeg failed ({code}): {err[-500:]}")


def render_segment(picture: Path, next_picture: Path | None, duration: float, size: tuple[int, int], fps: int,
                   cues: list[Cue], direction: int, crossfade: bool, out: Path, fonts_dir: Path,
                   cancel: threading.Event | None = None) -> Path:
    """One card as a silent MP4 segment (cues are relative to the segment start)."""
    import cv2
    from moviepy import VideoClip

    cv2.setNumThreads(1)  # segments already render two at a time
    frames = SegmentFrames(picture, next_picture if crossfade else None, duration, size, cues, direction, fonts_dir)
    clip = VideoClip(frame_function=frames.frame, duration=duration)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.mp4")
    writer = _I420Writer(tmp, size, fps)
    ok = False
    try:
        for frame in clip.iter_frames(fps=fps, dtype="uint8"):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            writer.write(frame)
        ok = True
    finally:
        writer.close(ok)
        if not ok:
            tmp.unlink(missing_ok=True)
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
