"""Errors raised by the tiling package.

A :class:`TilingError` carries a message written for the person who supplied the
scan (usually a surveyor): it says what is wrong with *their* input and what to do
about it, never a Python traceback.  Programming errors stay ordinary exceptions.
"""

from __future__ import annotations


class TilingError(Exception):
    """A scan could not be tiled because of its content or its declared georeference."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} {hint}")


class ValidationFailed(TilingError):
    """The produced tileset broke a 3D Tiles rule or a glTF file failed gltf-validator.

    This is our bug rather than the surveyor's, but it is still reported as a
    TilingError so that a job is marked failed with a readable reason and nothing
    is published.
    """

    def __init__(self, issues: list) -> None:  # list[tiling.tileset.Issue]
        self.issues = issues
        shown = "; ".join(str(i) for i in issues[:5])
        more = f" (+{len(issues) - 5} more)" if len(issues) > 5 else ""
        super().__init__(f"The generated 3D Tiles did not validate: {shown}{more}")
