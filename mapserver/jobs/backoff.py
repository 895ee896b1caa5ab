"""Waiting longer after each failure in a row, up to a cap: for restarting a worker process and for
reconnecting a worker to its database. A run that lasted long enough counts as healthy and resets it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    first: float = 1.0
    cap: float = 30.0
    healthy_after: float = 60.0
    _next: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._next = self.first

    def delay(self, ran_for: float = 0.0) -> float:
        """The wait before the next attempt, given how long the last one ran (seconds)."""
        if ran_for >= self.healthy_after:
            self._next = self.first
        current = min(self._next, self.cap)
        self._next = min(current * 2, self.cap)
        return current
