import json
import os
import shutil
import subprocess
import sys

import pytest

from engine.cli import main

EXE = shutil.which("gita-tales", path=os.path.dirname(sys.executable)) or shutil.which("gita-tales")


def run(*args, input=None):
    return subprocess.run([EXE, *args], check=False, capture_output=True, text=True, input=input, timeout=120, env=os.environ.copy())


@pytest.mark.skipif(EXE is None, reason="the gita-tales console script is installed by `make setup`")
def test_console_script_prints_verse_json():
    out = run("verse", "BG 2:47", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"ref", "chapter", "verse", "sanskrit", "transliteration", "word_meanings", "translations"} <= set(data)
    assert (data["ref"], data["chapter"], data["verse"]) == ("2.47", 2, 47)
    assert data["sanskrit"].startswith("कर्मण्येवाधिकारस्ते")
    assert len(data["translations"]) == 7
    assert {"author", "language", "text"} == set(data["translations"][0])
    assert sum(t["language"] == "english" for t in data["translations"]) == 5


@pytest.mark.skipif(EXE is None, reason="the gita-tales console script is installed by `make setup`")
def test_console_script_version_and_errors():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("gita-tales ")
    bad = run("verse", "19.2", "--json")
    assert bad.returncode == 2
    assert "18 chapters" in json.loads(bad.stdout)["error"]
    assert "Traceback" not in bad.stderr and "18 chapters" in bad.stderr


def test_verse_text_output(capsys):
    assert main(["verse", "chapter 2, verse 47"]) == 0
    out = capsys.readouterr().out
    assert "Bhagavad Gita 2.47" in out and "कर्मण्येवाधिकारस्ते" in out and "Swami Sivananda" in out


@pytest.mark.parametrize("ref", ["", "x" * 100_000, "13.36", "\u202e"])
def test_bad_refs_exit_non_zero_without_traceback(capsys, ref):
    assert main(["verse", ref]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gita-tales: ") and "Traceback" not in err


def test_doctor_json_names_each_part(capsys):
    rc = main(["doctor", "--json"])
    data = json.loads(capsys.readouterr().out)
    for key in ("ok", "model_path", "embedder", "ffmpeg", "espeak_ng", "fonts", "free_disk_mb", "network", "checks"):
        assert key in data
    assert rc == (0 if data["ok"] else 1)
    assert data["network"] is None  # GITA_OFFLINE is set by conftest: no probe
    assert any(f.endswith("NotoSansDevanagari-Regular.ttf") for f in data["fonts"])
    names = {c["name"] for c in data["checks"]}
    assert {"model_path", "embedder", "ffmpeg", "espeak_ng", "fonts", "free_disk", "network"} <= names
    for c in data["checks"]:
        if not c["ok"] and c["required"]:
            assert c["fix"], c


def test_doctor_reports_a_corrupt_model(monkeypatch, tmp_path, capsys):
    import engine

    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a model at all")
    monkeypatch.setenv("GITA_MODEL_PATH", str(bad))
    engine.get_settings.cache_clear()
    engine.open_studio.cache_clear()
    try:
        assert main(["doctor", "--json"]) == 1
        data = json.loads(capsys.readouterr().out)
        check = next(c for c in data["checks"] if c["name"] == "model_path")
        assert data["model_path"] is None and not check["ok"] and "not a GGUF" in check["detail"]
    finally:
        monkeypatch.delenv("GITA_MODEL_PATH")
        engine.get_settings.cache_clear()
        engine.open_studio.cache_clear()
