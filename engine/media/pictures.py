"""Pictures: a storybook illustrator that draws each scene from parametric vector art.

Offline default. Settings (Kurukshetra with a chariot, forest, home, classroom, park, river,
starry night, garden, stage) and characters (Krishna with blue skin, peacock feather and flute;
Arjuna with his bow; grandparents; children; a dog) are drawn with Pillow from the values in
``assets/art/illustrator.yaml``. A child's colours come from their name, so the same child
looks the same in every scene. Captions use the bundled fonts (Devanagari shaped by raqm).

An optional diffusers backend (:mod:`engine.media.diffusion`) has the same interface.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, Field

from ..fonts import DEVANAGARI_BOLD_TTF, LATIN_BOLD_TTF
from ..storyboard import PictureSpec

ART_VERSION = 1  # bump when the drawing changes, so cached pictures are redrawn


class PictureRequest(PictureSpec):
    """What to draw (a storyboard card's picture) and how big."""

    width: int = Field(1280, ge=160, le=3840)
    height: int = Field(720, ge=160, le=3840)


class PictureResult(BaseModel):
    path: Path
    backend: str
    warnings: list[str] = Field(default_factory=list)


@lru_cache(maxsize=2)
def load_art(assets_dir: Path) -> dict:
    return yaml.safe_load((Path(assets_dir) / "art" / "illustrator.yaml").read_text(encoding="utf-8"))


def _hex(c: str, alpha: int = 255) -> tuple[int, int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha


def _pick(options: list[str], key: str) -> str:
    return options[int(hashlib.md5(key.encode()).hexdigest(), 16) % len(options)]


class Illustrator:
    name = "storybook illustrator (offline)"

    def __init__(self, assets_dir: Path):
        self.assets_dir = Path(assets_dir)
        self.art = load_art(self.assets_dir)
        fonts = self.assets_dir / "fonts"
        self.font_path = fonts / LATIN_BOLD_TTF
        self.deva_path = fonts / DEVANAGARI_BOLD_TTF

    def setting_for(self, request: PictureRequest) -> str:
        text = f"{request.setting} {request.description}".lower()
        if "krishna" in text and "chariot" in text:
            return "kurukshetra"
        for key, setting in self.art["places"].items():
            if key in text:
                return setting
        return "garden"

    def draw(self, request: PictureRequest) -> Image.Image:
        w, h = request.width, request.height
        setting = self.art["settings"][self.setting_for(request)]
        mood = self.art["moods"].get(request.mood, self.art["moods"]["calm"])
        img = Image.new("RGBA", (w, h))
        d = ImageDraw.Draw(img)
        top, bottom = _hex(setting["sky"][0]), _hex(setting["sky"][1])
        for y in range(h):  # sky gradient
            t = y / h
            d.line([(0, y), (w, y)], fill=tuple(int(top[i] * (1 - t) + bottom[i] * t) for i in range(3)) + (255,))
        horizon = int(h * 0.68)
        d.ellipse([-w * 0.2, horizon - h * 0.06, w * 1.2, h * 1.6], fill=_hex(setting["ground"]))
        for prop in setting["props"]:
            getattr(self, f"_prop_{prop}", lambda *a: None)(d, w, h, horizon, mood)
        people = [c for c in request.characters if c][:5]
        if not people:
            people = ["Krishna"] if "krishna" in request.description.lower() else []
        slots = len(people) + (1 if "dog" in request.description.lower() or "puppy" in request.description.lower() else 0)
        for i, name in enumerate(people):
            cx = int(w * (i + 1) / (slots + 1))
            self._person(d, name, cx, horizon + int(h * 0.12), h)
        if slots > len(people):
            self._dog(d, int(w * slots / (slots + 1)), horizon + int(h * 0.16), h)
        tint = Image.new("RGBA", (w, h), _hex(mood["tint"], 40))
        img = Image.alpha_composite(img, tint)
        if request.caption:
            img = self._caption(img, request.caption)
        return img.convert("RGB")

    # -- people ------------------------------------------------------------------------------
    def _look(self, name: str) -> dict:
        chars = self.art["characters"]
        for key, look in chars.items():
            if key.lower() in name.lower():
                return look
        pal = self.art["child_palette"]
        return {"skin": _pick(pal["skin"], name + "s"), "clothes": _pick(pal["clothes"], name + "c"),
                "hair": _pick(pal["hair"], name + "h"), "extras": [], "tall": 0.72}

    def _person(self, d: ImageDraw.ImageDraw, name: str, cx: int, feet: int, h: int) -> None:
        look = self._look(name)
        s = h * 0.42 * look["tall"]
        head_r = s * 0.13
        body_top = feet - s * 0.72
        d.polygon([(cx - s * 0.16, feet - s * 0.08), (cx + s * 0.16, feet - s * 0.08), (cx + s * 0.1, body_top),
                   (cx - s * 0.1, body_top)], fill=_hex(look["clothes"]))
        d.line([(cx - s * 0.06, feet - s * 0.08), (cx - s * 0.06, feet)], fill=_hex(look["skin"]), width=max(3, int(s * 0.04)))
        d.line([(cx + s * 0.06, feet - s * 0.08), (cx + s * 0.06, feet)], fill=_hex(look["skin"]), width=max(3, int(s * 0.04)))
        arm = max(3, int(s * 0.035))
        d.line([(cx - s * 0.1, body_top + s * 0.05), (cx - s * 0.2, body_top + s * 0.3)], fill=_hex(look["skin"]), width=arm)
        d.line([(cx + s * 0.1, body_top + s * 0.05), (cx + s * 0.2, body_top + s * 0.3)], fill=_hex(look["skin"]), width=arm)
        hy = body_top - head_r * 0.9
        d.ellipse([cx - head_r, hy - head_r, cx + head_r, hy + head_r], fill=_hex(look["skin"]))
        d.chord([cx - head_r * 1.05, hy - head_r * 1.1, cx + head_r * 1.05, hy + head_r * 0.4], 180, 360,
                fill=_hex(look["hair"]))
        eye = max(2, int(head_r * 0.12))
        for ex in (-0.35, 0.35):
            d.ellipse([cx + head_r * ex - eye, hy - eye, cx + head_r * ex + eye, hy + eye], fill=(40, 30, 30, 255))
        d.arc([cx - head_r * 0.4, hy + head_r * 0.1, cx + head_r * 0.4, hy + head_r * 0.55], 20, 160,
              fill=(120, 40, 40, 255), width=max(2, eye // 2))
        for extra in look["extras"]:
            if extra == "peacock_feather":
                fx, fy = cx + head_r * 0.3, hy - head_r * 1.6
                d.ellipse([fx - head_r * 0.25, fy - head_r * 0.6, fx + head_r * 0.25, fy + head_r * 0.3], fill=_hex("#1e8e3e"))
                d.ellipse([fx - head_r * 0.14, fy - head_r * 0.35, fx + head_r * 0.14, fy], fill=_hex("#1565c0"))
            elif extra == "crown":
                d.polygon([(cx - head_r * 0.7, hy - head_r * 0.8), (cx - head_r * 0.4, hy - head_r * 1.35), (cx, hy - head_r * 0.95),
                           (cx + head_r * 0.4, hy - head_r * 1.35), (cx + head_r * 0.7, hy - head_r * 0.8)], fill=_hex("#f9a825"))
            elif extra == "flute":
                d.line([(cx - s * 0.25, body_top + s * 0.22), (cx + s * 0.05, body_top + s * 0.12)], fill=_hex("#8d6e63"), width=arm)
            elif extra == "bow":
                d.arc([cx + s * 0.12, body_top - s * 0.05, cx + s * 0.34, body_top + s * 0.5], 270, 90, fill=_hex("#6d4c41"), width=arm)
            elif extra == "glasses":
                for ex in (-0.35, 0.35):
                    d.ellipse([cx + head_r * ex - eye * 2.2, hy - eye * 2.2, cx + head_r * ex + eye * 2.2, hy + eye * 2.2],
                              outline=(60, 60, 60, 255), width=max(1, eye // 2))
            elif extra == "bun":
                d.ellipse([cx - head_r * 0.35, hy - head_r * 1.5, cx + head_r * 0.35, hy - head_r * 0.8], fill=_hex(look["hair"]))
            elif extra == "stick":
                d.line([(cx + s * 0.22, body_top + s * 0.3), (cx + s * 0.26, feet)], fill=_hex("#795548"), width=arm)
            elif extra == "book":
                d.rectangle([cx - s * 0.08, body_top + s * 0.2, cx + s * 0.1, body_top + s * 0.32], fill=_hex("#e53935"))

    def _dog(self, d, cx, feet, h):
        s = h * 0.12
        brown = _hex("#a1887f")
        d.ellipse([cx - s, feet - s * 0.9, cx + s * 0.7, feet - s * 0.2], fill=brown)
        d.ellipse([cx + s * 0.4, feet - s * 1.3, cx + s * 1.1, feet - s * 0.6], fill=brown)
        d.ellipse([cx + s * 0.75, feet - s * 1.1, cx + s * 0.85, feet - s], fill=(30, 30, 30, 255))
        for lx in (-0.7, -0.3, 0.2, 0.5):
            d.line([(cx + s * lx, feet - s * 0.3), (cx + s * lx, feet)], fill=brown, width=max(3, int(s * 0.15)))

    # -- props -------------------------------------------------------------------------------
    def _prop_sun(self, d, w, h, horizon, mood):
        if mood.get("sun", True):
            d.ellipse([w * 0.82, h * 0.08, w * 0.92, h * 0.08 + w * 0.1], fill=_hex("#ffd54f"))

    def _prop_trees(self, d, w, h, horizon, mood):
        for x in (0.08, 0.9, 0.72):
            tx = w * x
            d.rectangle([tx - w * 0.01, horizon - h * 0.18, tx + w * 0.01, horizon + h * 0.02], fill=_hex("#795548"))
            d.ellipse([tx - w * 0.06, horizon - h * 0.38, tx + w * 0.06, horizon - h * 0.12], fill=_hex("#43a047"))

    def _prop_flowers(self, d, w, h, horizon, mood):
        for i in range(12):
            x, y = w * (0.05 + 0.08 * i), horizon + h * (0.05 + 0.04 * (i % 3))
            r = h * 0.012
            d.ellipse([x - r, y - r, x + r, y + r], fill=_hex(["#ec407a", "#ffca28", "#ab47bc"][i % 3]))

    def _prop_house(self, d, w, h, horizon, mood):
        d.rectangle([w * 0.06, horizon - h * 0.3, w * 0.3, horizon + h * 0.02], fill=_hex("#ffccbc"))
        d.polygon([(w * 0.04, horizon - h * 0.3), (w * 0.18, horizon - h * 0.48), (w * 0.32, horizon - h * 0.3)], fill=_hex("#d84315"))

    def _prop_window(self, d, w, h, horizon, mood):
        d.rectangle([w * 0.7, h * 0.15, w * 0.9, h * 0.4], fill=_hex("#b3e5fc"), outline=_hex("#8d6e63"), width=6)

    def _prop_lamp(self, d, w, h, horizon, mood):
        d.ellipse([w * 0.45, h * 0.08, w * 0.49, h * 0.08 + w * 0.04], fill=_hex("#ffb300"))

    def _prop_board(self, d, w, h, horizon, mood):
        d.rectangle([w * 0.3, h * 0.1, w * 0.7, h * 0.38], fill=_hex("#2e7d32"), outline=_hex("#6d4c41"), width=8)

    def _prop_desks(self, d, w, h, horizon, mood):
        for x in (0.12, 0.88):
            d.rectangle([w * x - w * 0.06, horizon - h * 0.02, w * x + w * 0.06, horizon + h * 0.03], fill=_hex("#a1887f"))

    def _prop_wickets(self, d, w, h, horizon, mood):
        for i in range(3):
            x = w * 0.93 + i * w * 0.01
            d.line([(x, horizon - h * 0.08), (x, horizon + h * 0.04)], fill=_hex("#fff8e1"), width=5)

    def _prop_river(self, d, w, h, horizon, mood):
        d.polygon([(w * 0.55, horizon), (w * 0.7, horizon), (w, h), (w * 0.6, h)], fill=_hex("#4fc3f7"))

    def _prop_stars(self, d, w, h, horizon, mood):
        for i in range(40):
            x = (i * 97 % 100) / 100 * w
            y = (i * 53 % 60) / 100 * h
            r = 2 + i % 3
            d.ellipse([x - r, y - r, x + r, y + r], fill=(255, 250, 220, 255))

    def _prop_moon(self, d, w, h, horizon, mood):
        d.ellipse([w * 0.8, h * 0.08, w * 0.88, h * 0.08 + w * 0.08], fill=_hex("#fff59d"))

    def _prop_hills(self, d, w, h, horizon, mood):
        d.ellipse([-w * 0.1, horizon - h * 0.12, w * 0.45, horizon + h * 0.2], fill=_hex("#c5a15a"))

    def _prop_flags(self, d, w, h, horizon, mood):
        for x in (0.1, 0.88):
            d.line([(w * x, horizon - h * 0.3), (w * x, horizon)], fill=_hex("#5d4037"), width=5)
            d.polygon([(w * x, horizon - h * 0.3), (w * x + w * 0.05, horizon - h * 0.27), (w * x, horizon - h * 0.24)],
                      fill=_hex("#ff7043"))

    def _prop_chariot(self, d, w, h, horizon, mood):
        cx, base = w * 0.5, horizon + h * 0.05
        d.rectangle([cx - w * 0.12, base - h * 0.12, cx + w * 0.12, base], fill=_hex("#ffb74d"), outline=_hex("#8d6e63"), width=4)
        for wx in (-0.08, 0.08):
            r = h * 0.06
            d.ellipse([cx + w * wx - r, base - r, cx + w * wx + r, base + r], outline=_hex("#5d4037"), width=6)
        for hx in (0.2, 0.28):  # white horses, simply
            d.ellipse([w * hx - w * 0.04, base - h * 0.1, w * hx + w * 0.04, base - h * 0.02], fill=(250, 250, 250, 255))

    def _prop_curtains(self, d, w, h, horizon, mood):
        d.rectangle([0, 0, w * 0.08, h], fill=_hex("#c62828"))
        d.rectangle([w * 0.92, 0, w, h], fill=_hex("#c62828"))

    def _prop_lights(self, d, w, h, horizon, mood):
        for i in range(8):
            x = w * (0.12 + 0.1 * i)
            d.ellipse([x - 8, h * 0.05 - 8, x + 8, h * 0.05 + 8], fill=_hex("#fff176"))

    # -- caption -----------------------------------------------------------------------------
    def _caption(self, img: Image.Image, text: str) -> Image.Image:
        w, h = img.size
        size = max(14, int(h * 0.045))
        band = Image.new("RGBA", img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(band)
        runs = self.runs(text, size)
        tw = sum(d.textlength(part, font=font) for part, font in runs)
        x, y = (w - tw) / 2, h * 0.04
        d.rounded_rectangle([x - size * 0.6, y - size * 0.3, x + tw + size * 0.6, y + size * 1.5],
                            radius=size // 2, fill=(255, 255, 255, 200))
        draw_runs(d, (x, y), runs, (60, 40, 20, 255))
        return Image.alpha_composite(img, band)

    def runs(self, text: str, size: int) -> list[tuple[str, ImageFont.FreeTypeFont]]:
        """Split mixed text into Devanagari and Latin runs, each with a font that has its letters."""
        return script_runs(text, str(self.font_path), str(self.deva_path), size)

    def render(self, request: PictureRequest, cache_dir: Path) -> PictureResult:
        key = hashlib.sha256(f"{ART_VERSION}|{request.model_dump_json()}".encode()).hexdigest()[:20]
        out = Path(cache_dir) / f"{key}.png"
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.stem + ".part.png")
            self.draw(request).save(tmp, optimize=False, compress_level=1)
            tmp.replace(out)
        return PictureResult(path=out, backend=self.name)



@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def script_runs(text: str, latin: str, deva: str, size: int) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    import re

    runs = []
    for part in re.findall(r"[\u0900-\u097F\u200c\u200d]+(?:[ ,.!?;:'\-]+[\u0900-\u097F]+)*|[^\u0900-\u097F]+", text):
        is_deva = any("\u0900" <= ch <= "\u097f" for ch in part)
        runs.append((part, _font(deva if is_deva else latin, size)))
    return runs


def draw_runs(d: ImageDraw.ImageDraw, xy: tuple[float, float], runs, fill) -> None:
    x, y = xy
    for part, font in runs:
        d.text((x, y), part, font=font, fill=fill)
        x += d.textlength(part, font=font)
