"""The browser of the end-to-end tests (Debian chromium through Playwright; skipped when absent)."""
