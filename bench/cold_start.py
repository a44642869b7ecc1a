"""Cold start of the kids' app: from `python app.py` with an empty data folder to the page answering,
and to the first /chat answer (which waits for the search index the first time).

    .venv/bin/python bench/cold_start.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tempfile.mkdtemp(prefix="gita-cold-")
    env = {**os.environ, "GITA_DATA_DIR": data, "GITA_OFFLINE": "1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - start > 600:
                    raise SystemExit("the app did not start")
                time.sleep(0.2)
        ready = time.perf_counter() - start
        from gradio_client import Client

        client = Client(url, verbose=False)
        t = time.perf_counter()
        client.predict("Why do I get angry?", api_name="/chat")
        first = time.perf_counter() - t
        t = time.perf_counter()
        client.predict("I am scared of the dark", api_name="/chat")
        second = time.perf_counter() - t
        print(f"page answering after {ready:.1f} s; first /chat answer {first:.1f} s later "
              f"(index and model warming in the background); second answer {second:.2f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
