"""The media orchestrator: storyboard -> pictures -> narration -> subtitles -> video.

It can stop after any stage. A failing optional step (one picture, one voice) becomes a warning
on the result and the video still renders: a drawn picture replaces a missing upload, silence
replaces a voice that failed.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
import wave
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from ..errors import GitaError, InvalidInput
from ..storyboard import PADDING_S, SILENT_CARD_S, Storyboard
from .music import SAMPLE_RATE, duck, tanpura_drone
from .narration import NarrationError, NarrationRequest, narrate
from .pictures import Illustrator, PictureRequest
from .subtitles import Cue, cues_for, write_srt
from .video import Cancelled, _ffmpeg, join, render_segment, segment_key

Stage = Literal["pictures", "narration", "subtitles", "video"]
STAGES: tuple[Stage, ...] = ("pictures", "narration", "subtitles", "video")
Progress = Callable[[float, str], None]
#: segments rendered at once: numpy and the ffmpeg pipe release the GIL, so two keep 2 cores busy
SEGMENT_WORKERS = 2


class RenderOptions(BaseModel):
    out: Path
    stop_after: Stage = "video"
    offline: bool = True
    #: "illustrator" (offline, bundled art) or "diffusion" (Stable Diffusion where its weights are available)
    pictures: Literal["illustrator", "diffusion"] = "illustrator"
    diffusion_model: str | None = None


class RenderResult(BaseModel):
    video: Path | None = None
    srt: Path | None = None
    audio: Path | None = None
    pictures: list[Path] = Field(default_factory=list)
    narration: list[Path | None] = Field(default_factory=list)
    durations: list[float] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    seconds: float = 0.0


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype={2: np.int16, 4: np.int32}[width])
    audio = data.reshape(-1, channels).mean(axis=1).astype(np.float32) / float(np.iinfo(data.dtype).max)
    if rate != SAMPLE_RATE:  # linear resampling is plenty for speech
        n = int(len(audio) * SAMPLE_RATE / rate)
        audio = np.interp(np.linspace(0, len(audio) - 1, n), np.arange(len(audio)), audio).astype(np.float32)
    return audio


def _to_wav(src: Path, cache: Path) -> Path:
    out = cache / f"{hashlib.sha256(src.read_bytes()).hexdigest()[:20]}.wav"
    if not out.exists():
        tmp = out.with_name(out.stem + ".part.wav")
        subprocess.run([_ffmpeg(), "-y", "-loglevel", "error", "-i", str(src), "-ac", "1", "-ar", str(SAMPLE_RATE), str(tmp)],
                       check=True, capture_output=True)
        tmp.replace(out)
    return out


def render_storyboard(board: Storyboard, options: RenderOptions, assets_dir: Path, cache_dir: Path,
                      progress: Progress | None = None, cancel: threading.Event | None = None) -> RenderResult:
    """Render ``board``; raises :class:`Cancelled` if ``cancel`` is set, :class:`InvalidInput` for an empty board."""
    if not board.cards:
        raise InvalidInput("The storyboard has no cards yet: add a scene first.")
    say = progress or (lambda f, m: None)
    start = time.perf_counter()
    cache = Path(cache_dir)
    res = RenderResult()
    size = board.size
    n = len(board.cards)

    def check_cancel():
        if cancel is not None and cancel.is_set():
            raise Cancelled()

    # 1. pictures
    illustrator = Illustrator(assets_dir)
    painter = None
    if options.pictures == "diffusion":
        from .diffusion import DiffusionIllustrator, DiffusionUnavailable

        painter = DiffusionIllustrator(options.diffusion_model, offline=options.offline)
        try:
            painter.check()
        except DiffusionUnavailable as exc:
            res.warnings.append(str(exc))
            painter = None
    for i, card in enumerate(board.cards):
        check_cancel()
        say(0.02 + 0.1 * i / n, f"Drawing picture {i + 1} of {n}")
        if card.picture_path and Path(card.picture_path).is_file():
            res.pictures.append(Path(card.picture_path))
            continue
        if card.picture_path:
            res.warnings.append(f"Card {i + 1}: the uploaded picture {card.picture_path} is missing; a drawn one is used.")
        req = PictureRequest(**card.picture.model_dump(), width=size[0], height=size[1])
        if painter is not None:
            try:
                res.pictures.append(painter.render(req, cache / "pictures").path)
                continue
            except Exception as exc:  # noqa: BLE001 - one failed picture is a warning; the illustrator draws it
                res.warnings.append(f"Card {i + 1}: Stable Diffusion failed ({exc}); the illustrator drew this picture.")
        res.pictures.append(illustrator.render(req, cache / "pictures").path)
    res.stages.append("pictures")
    if options.stop_after == "pictures":
        res.seconds = time.perf_counter() - start
        return res

    # 2. narration
    speech: list[np.ndarray] = []
    for i, card in enumerate(board.cards):
        check_cancel()
        say(0.12 + 0.25 * i / n, f"Recording narration {i + 1} of {n}")
        path = None
        try:
            if card.audio_path:
                path = _to_wav(Path(card.audio_path), cache / "narration")
            elif card.narration.strip():
                result = narrate(NarrationRequest(text=card.narration, language=card.language, backend=card.voice),
                                 cache / "narration", offline=options.offline)
                res.warnings += [f"Card {i + 1}: {w}" for w in result.warnings]
                path = result.path
        except (NarrationError, GitaError, subprocess.SubprocessError, OSError) as exc:
            res.warnings.append(f"Card {i + 1}: no narration ({exc}); the card is silent.")
        res.narration.append(path)
        audio = _read_wav(path) if path else np.zeros(0, dtype=np.float32)
        speech.append(audio)
        spoken = len(audio) / SAMPLE_RATE
        res.durations.append(card.duration or (spoken + PADDING_S if spoken else SILENT_CARD_S))
    total = sum(res.durations)
    voice = np.zeros(int(total * SAMPLE_RATE) + SAMPLE_RATE, dtype=np.float32)
    t = 0.0
    for audio, d in zip(speech, res.durations):
        a = int((t + 0.3) * SAMPLE_RATE)
        clip = audio[: max(0, int((d - 0.3) * SAMPLE_RATE))]
        voice[a:a + len(clip)] += clip
        t += d
    mix = voice[: int(total * SAMPLE_RATE)]
    if board.music:
        mix = mix + duck(tanpura_drone(total), mix)
    mix = np.clip(mix, -1, 1)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    (cache / "audio").mkdir(parents=True, exist_ok=True)
    res.audio = cache / "audio" / f"{hashlib.sha256(mix.tobytes()).hexdigest()[:20]}.wav"
    with wave.open(str(res.audio), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((mix * 32767).astype(np.int16).tobytes())
    res.stages.append("narration")
    if options.stop_after == "narration":
        res.seconds = time.perf_counter() - start
        return res

    # 3. subtitles (always written beside the video)
    per_card: list[list[Cue]] = []
    all_cues: list[Cue] = []
    t = 0.0
    for card, audio, d in zip(board.cards, speech, res.durations):
        spoken = len(audio) / SAMPLE_RATE
        cues = cues_for(card.narration, 0.3, min(spoken, d - 0.3)) if card.narration.strip() and spoken else []
        per_card.append(cues)
        all_cues += [c.model_copy(update={"start": c.start + t, "end": c.end + t}) for c in cues]
        t += d
    res.srt = write_srt(all_cues, options.out.with_suffix(".srt"))
    res.stages.append("subtitles")
    if options.stop_after == "subtitles":
        res.seconds = time.perf_counter() - start
        return res

    # 4. video: one cached segment per card, two at a time (Python draws frames while x264 encodes), then one join
    segments, todo = [], []
    fonts = Path(assets_dir) / "fonts"
    for i, card in enumerate(board.cards):
        nxt = res.pictures[i + 1] if i + 1 < n and card.transition == "crossfade" else None
        cues = per_card[i] if board.subtitles_burned else []
        key = segment_key(res.pictures[i], nxt, res.durations[i], size, board.fps, cues, i, nxt is not None)
        seg = cache / "segments" / f"{key}.mp4"
        segments.append(seg)
        if not seg.exists():
            todo.append((res.pictures[i], nxt, res.durations[i], size, board.fps, cues, i, nxt is not None, seg, fonts, cancel))
    done = 0
    with ThreadPoolExecutor(max_workers=SEGMENT_WORKERS) as pool:
        for future in as_completed([pool.submit(render_segment, *args) for args in todo]):
            future.result()  # re-raises Cancelled or an ffmpeg failure
            done += 1
            say(0.4 + 0.55 * done / max(len(todo), 1), f"Rendered scene {done} of {len(todo)} that changed")
    say(0.97, "Putting the video together")
    res.video = join(segments, res.audio, options.out)
    res.stages.append("video")
    res.seconds = time.perf_counter() - start
    say(1.0, "Video ready")
    return res
