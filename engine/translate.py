"""Translation backends. Online: googletrans. Offline (the default here): none, and callers say so.

The online code is real; tests replace the network call. Nothing is sent anywhere when
``GITA_OFFLINE`` is set or the service cannot be reached.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from tenacity import retry, stop_after_attempt, wait_exponential

from .errors import GitaError
from .net import reachable

GOOGLE_HOST = ("translate.googleapis.com", 443)


class TranslationUnavailable(GitaError):
    """The translation service cannot be used right now."""


class Translator(Protocol):
    name: str

    def translate(self, texts: list[str], target: str) -> list[str]: ...


class GoogleTranslator:
    """googletrans (an unofficial Google Translate client); needs the internet."""

    name = "Google Translate (online)"

    def __init__(self, probe=reachable):
        self.probe = probe

    def translate(self, texts: list[str], target: str) -> list[str]:
        if not self.probe(GOOGLE_HOST):
            raise TranslationUnavailable("Hindi translation needs the internet, which is not reachable right now.")
        try:
            return self._call(texts, target)
        except Exception as exc:
            raise TranslationUnavailable(f"The online translator did not answer ({type(exc).__name__}).") from exc

    @retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.5, max=4), reraise=True)
    def _call(self, texts: list[str], target: str) -> list[str]:
        from googletrans import Translator as _Client

        async def run():
            async with _Client() as client:
                results = await client.translate(texts, dest=target, src="en")
                return [r.text for r in results]

        return asyncio.run(run())


def get_translator(offline: bool) -> Translator | None:
    """The online translator, or None when the app is set to stay offline."""
    return None if offline else GoogleTranslator()
