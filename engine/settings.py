"""One typed settings object for the whole engine.

Every field reads a ``GITA_*`` environment variable (for example ``GITA_DATA_DIR``),
has a description and bounds, and is built once by :func:`get_settings` and passed in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import InvalidInput
from .paths import DEFAULT_ASSETS_DIR


class Settings(BaseSettings):
    """Settings of Gita Tales; environment variables ``GITA_<FIELD>`` override defaults."""

    model_config = SettingsConfigDict(env_prefix="GITA_", extra="ignore", validate_default=True)

    assets_dir: Path = Field(DEFAULT_ASSETS_DIR, description="Folder of bundled data, fonts, art, audio and models.")
    data_dir: Path = Field(
        Path(user_data_dir("gita-tales", appauthor=False)),
        description="Folder for the database, the search index and rendered media (written by the app).",
    )
    model_path: Path | None = Field(
        None, description="GGUF file of the chat model; empty means the bundled SmolLM2-135M-Instruct."
    )
    english_author: str = Field("Swami Sivananda", description="Translator shown first for English.")
    hindi_author: str = Field("Swami Tejomayananda", description="Translator shown first for Hindi.")
    n_threads: int = Field(2, ge=1, le=64, description="CPU threads for llama.cpp.")
    n_ctx: int = Field(2048, ge=256, le=32768, description="Context window of the chat model in tokens.")
    max_answer_tokens: int = Field(160, ge=16, le=1024, description="Upper bound on tokens in one chat answer.")
    temperature: float = Field(0.3, ge=0.0, le=2.0, description="Sampling temperature of the chat model.")
    seed: int = Field(7, ge=0, le=2**31 - 1, description="Random seed for reproducible generation.")
    chat_model_opener: bool = Field(
        False, description="Open the AI helper's answers with the chat model's own sentence where it passes the "
        "quality gate. Off: a written opener. The 135M model's sentences were too often garbled or untrue for a "
        "child (README: session 26).",
    )
    language: Literal["en", "hi"] = Field("en", description="Default language of the interface text.")
    offline: bool = Field(False, description="Never try online backends even where the network is reachable.")
    helpline_countries: list[str] = Field(
        default_factory=lambda: ["IN", "US", "UK"], min_length=1, max_length=10,
        description="Countries whose child helplines the AI helper gives, in order (keys of assets/data/safety/helplines.yaml).",
    )
    diffusion_model: str | None = Field(
        None, description="Optional Stable Diffusion weights for pictures: a local diffusers folder, or a hub name "
                          "used only when online. Empty: the hub's SD 1.5 when online; offline, the storybook illustrator.",
        max_length=500,
    )
    min_free_disk_mb: int = Field(500, ge=0, le=10**6, description="Free disk below which `doctor` warns.")

    @property
    def db_path(self) -> Path:
        return self.data_dir / "gita_tales.sqlite3"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once from the environment).

    Raises :class:`InvalidInput` naming the ``GITA_*`` variable that is out of bounds.
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"GITA_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"A setting is not valid ({problems}). Fix or unset that environment variable.") from exc
