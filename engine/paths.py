"""Where bundled assets live.

Assets sit beside the package in the repository (``assets/``). ``GITA_ASSETS_DIR``
may point elsewhere (a Docker image, a Space); settings carry the choice.
"""

from __future__ import annotations

from pathlib import Path

#: the repository root when the package is installed in editable mode or run from a checkout
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ASSETS_DIR = REPO_ROOT / "assets"
