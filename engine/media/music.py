"""Background music we make ourselves: a soft tanpura-like drone (Sa, Pa, Sa, Sa), synthesised in numpy."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 22050


def tanpura_drone(seconds: float, sr: int = SAMPLE_RATE, sa_hz: float = 138.6) -> np.ndarray:
    """A gentle drone of ``seconds`` in [-1, 1]: each string plucked in turn and ringing with its overtones."""
    n = int(seconds * sr)
    out = np.zeros(n, dtype=np.float32)
    pattern = [sa_hz * 1.5 / 2 * 2, sa_hz * 2, sa_hz * 2, sa_hz]  # Pa, Sa', Sa', Sa
    cycle = 4.0
    t_pluck = np.arange(int(cycle * sr)) / sr
    for k, f in enumerate(pattern):
        tone = sum(np.sin(2 * np.pi * f * h * t_pluck + h) / h ** 1.3 for h in range(1, 7))
        env = np.exp(-t_pluck * 0.9) * (1 - np.exp(-t_pluck * 40))
        note = (tone * env).astype(np.float32)
        for start in np.arange(k * cycle / 4, seconds, cycle):
            a = int(start * sr)
            b = min(n, a + len(note))
            out[a:b] += note[: b - a]
    peak = np.abs(out).max() or 1.0
    return out / peak * 0.9


def duck(music: np.ndarray, voice: np.ndarray, sr: int = SAMPLE_RATE, low: float = 0.06, high: float = 0.22) -> np.ndarray:
    """Music gain ``high`` in pauses and ``low`` under the voice, with smooth 80 ms changes."""
    win = int(0.05 * sr)
    frames = len(voice) // win + 1
    padded = np.zeros(frames * win, dtype=np.float32)
    padded[: len(voice)] = voice
    rms = np.sqrt((padded.reshape(frames, win) ** 2).mean(axis=1))
    talking = (rms > 0.02).astype(np.float32)
    kernel = np.ones(5, dtype=np.float32) / 5
    smooth = np.convolve(np.convolve(talking, kernel, "same"), kernel, "same")
    gain = np.repeat(high - (high - low) * np.clip(smooth * 1.5, 0, 1), win)[: len(music)]
    return music[: len(gain)] * gain
