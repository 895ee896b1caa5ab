"""Narration: Vietnamese text → speech → compressed audio, cached in the store by record version
(``normalise`` reads numbers, dates, centuries and abbreviations out; ``speak`` runs espeak-ng and
ffmpeg; ``audio`` keeps generated and staff-recorded files and says which one a record has;
``tours`` does the same for a tour's introduction and stops)."""
