"""Optional pictures from Stable Diffusion (diffusers), behind the illustrator's interface.

Weights come from a local folder (``GITA_DIFFUSION_MODEL``, a diffusers pipeline folder) or, when
online and allowed, from the hub by name. Nothing is bundled: where the weights are absent it says
so plainly and the render uses the offline storybook illustrator instead (with a warning).

Every prompt gets the same style and a kid-safe prefix, and the same seed for every scene of a
storyboard, so the pictures of one story look alike; the negative prompt keeps out violence,
weapons, fear and anything not for children.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from .pictures import PictureRequest, PictureResult

STYLE = "gentle children's storybook illustration, bright soft colours, simple round shapes, friendly faces"
SAFE_PREFIX = "kid-friendly, wholesome, happy"
NEGATIVE = ("violence, blood, weapon, injury, scary, horror, dark, nsfw, nudity, text, watermark, "
            "photorealistic, deformed")
#: how the Gita's people look in every picture (the illustrator draws them the same way)
LOOKS = {"Krishna": "Krishna, a kind boy with blue skin, a peacock feather in his crown and a flute",
         "Arjuna": "Arjuna, a young prince in a white and gold tunic"}
DEFAULT_HUB_MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"


class DiffusionUnavailable(RuntimeError):
    """The diffusion backend cannot run here; the message says why in plain words."""


def build_prompt(request: PictureRequest) -> str:
    people = ", ".join(LOOKS.get(c, c) for c in request.characters) or "children"
    scene = f"{people} at {request.setting or 'a sunny garden'}, {request.mood or 'happy'} mood"
    if request.description:
        scene += f", {request.description}"
    return f"{SAFE_PREFIX}, {STYLE}: {scene}"


class DiffusionIllustrator:
    """Pictures from a diffusers text-to-image pipeline; ``render`` matches :class:`Illustrator.render`."""

    name = "Stable Diffusion (diffusers)"

    def __init__(self, source: str | Path | None, offline: bool = True, steps: int = 20, seed: int = 7,
                 pipeline=None, reachable=None):
        self.source = str(source) if source else DEFAULT_HUB_MODEL
        self.offline = offline
        self.steps = steps
        self.seed = seed
        self._pipe = pipeline
        self._reachable = reachable
        self._checked = False
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise :class:`DiffusionUnavailable` unless the weights can be loaded here (checked once)."""
        if self._checked or self._pipe is not None or Path(self.source).is_dir():
            return
        if self.source.startswith(("/", ".", "~")):  # a local folder that is not there
            raise DiffusionUnavailable(f"No diffusion weights at {self.source}; the storybook illustrator draws instead.")
        if self.offline:
            raise DiffusionUnavailable("Stable Diffusion weights are not on this computer and Gita Tales is offline; "
                                       "the storybook illustrator draws instead.")
        from ..net import reachable

        if not (self._reachable or reachable)(("huggingface.co", 443)):
            raise DiffusionUnavailable("Stable Diffusion weights need the internet to download, and it cannot be "
                                       "reached; the storybook illustrator draws instead.")
        self._checked = True

    def pipeline(self):
        self.check()
        if self._pipe is None:
            import torch
            from diffusers import StableDiffusionPipeline

            try:
                self._pipe = StableDiffusionPipeline.from_pretrained(self.source, torch_dtype=torch.float32,
                                                                     local_files_only=self.offline)
            except (OSError, ValueError) as exc:
                raise DiffusionUnavailable(f"The diffusion weights could not be loaded ({exc}); the storybook "
                                           "illustrator draws instead.") from exc
            self._pipe.set_progress_bar_config(disable=True)
        return self._pipe

    def render(self, request: PictureRequest, cache_dir: Path) -> PictureResult:
        prompt = build_prompt(request)
        key = hashlib.sha256(f"{self.source}|{self.steps}|{self.seed}|{prompt}|{request.width}x{request.height}"
                             .encode()).hexdigest()[:20]
        out = Path(cache_dir) / f"sd-{key}.png"
        if not out.exists():
            import torch

            pipe = self.pipeline()
            # diffusion works in multiples of 8, and is slow: draw at most 768 wide, then scale to the frame
            scale = min(1.0, 768 / max(request.width, request.height))
            w, h = (max(64, int(request.width * scale) // 8 * 8), max(64, int(request.height * scale) // 8 * 8))
            with self._lock:
                image = pipe(prompt, negative_prompt=NEGATIVE, width=w, height=h, num_inference_steps=self.steps,
                             generator=torch.Generator("cpu").manual_seed(self.seed)).images[0]
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.stem + ".part.png")
            image.convert("RGB").resize((request.width, request.height)).save(tmp)
            tmp.replace(out)
        return PictureResult(path=out, backend=self.name)
