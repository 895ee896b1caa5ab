"""Speech: normalised Vietnamese → espeak-ng (Southern Vietnamese voice, the closest to Bà Rịa–
Vũng Tàu; from Debian's espeak-ng package) → WAV → MP3 with ffmpeg (libmp3lame, mono 48 kbit/s:
Safari plays MP3, so does every other browser). Nothing leaves the machine."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from .normalise import normalise

VOICE = "vi-vn-x-south"
WORDS_PER_MINUTE = 150  # espeak-ng's default is 175; a guide speaks a little slower
BITRATE = "48k"
CONTENT_TYPE = "audio/mpeg"
TIMEOUT_SECONDS = 300


class SpeechError(RuntimeError):
    """The speech engine or encoder is missing or failed."""


@dataclass(frozen=True)
class Speech:
    path: Path
    seconds: float
    spoken_text: str


def tools_present() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("ffmpeg") is not None


def _run(cmd: list[str], what: str) -> None:
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=TIMEOUT_SECONDS)
    except FileNotFoundError:
        raise SpeechError(f"{what} is not installed (scripts/setup.sh installs it)") from None
    except subprocess.CalledProcessError as exc:
        raise SpeechError(f"{what} failed: {exc.stderr.decode(errors='replace')[-300:]}") from None


def synthesise(text: str, target: Path) -> Speech:
    """Speak ``text`` into an MP3 file at ``target``."""
    spoken = normalise(text)
    if not spoken.strip():
        raise SpeechError("nothing to say")
    with tempfile.TemporaryDirectory(prefix="heritage-tts-") as folder:
        source = Path(folder) / "text.txt"
        source.write_text(spoken, encoding="utf-8")
        wav = Path(folder) / "speech.wav"
        # -f: the text from a file, never on the command line (no length or quoting limits)
        _run(["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-f", str(source), "-w", str(wav)], "espeak-ng")
        with wave.open(str(wav)) as sound:
            seconds = sound.getnframes() / float(sound.getframerate())
        _run(
            [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(wav),
                "-ac",
                "1",
                "-c:a",
                "libmp3lame",
                "-b:a",
                BITRATE,
                str(target),
            ],
            "ffmpeg",
        )
    return Speech(target, seconds, spoken)
