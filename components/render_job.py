"""A render running in a worker thread, with progress the page can poll and a cancel switch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import engine
from engine.media.video import Cancelled


@dataclass
class RenderJob:
    board: object
    out: Path
    pictures: str = "illustrator"
    fraction: float = 0.0
    message: str = "Starting…"
    result: object = None
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self, studio: engine.Studio) -> RenderJob:
        def work():
            try:
                self.result = studio.render(self.board, self.out, progress=self._progress, cancel=self.cancel,
                                            pictures=self.pictures)
            except Cancelled:
                self.error = "Rendering was cancelled."
            except engine.GitaError as exc:
                self.error = str(exc)
            except Exception as exc:  # noqa: BLE001 - shown to the user instead of a silent dead thread
                self.error = f"Rendering failed: {exc}"

        self.thread = threading.Thread(target=work, daemon=True)
        self.thread.start()
        return self

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message
