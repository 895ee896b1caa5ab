"""The one review workflow of every kind of record: draft → in review → published → withdrawn.

Contributors (surveyors, museum staff: the kind's contributor role) create drafts and submit them;
editors approve, reject (with a reason, back to draft) or withdraw; anything an editor approves
is public. The table is pure: who may do what from which state.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Conflict, Forbidden, InvalidParameter


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    role: str | None  # None: the kind's contributor role
    needs_reason: bool = False


ACTIONS: dict[str, Transition] = {
    "submit": Transition(("draft",), "in_review", None),
    "approve": Transition(("draft", "in_review", "withdrawn"), "published", "editor"),
    "reject": Transition(("in_review",), "draft", "editor", needs_reason=True),
    "withdraw": Transition(("published", "in_review"), "withdrawn", "editor"),
}
MAX_REASON_CHARS = 2000


def next_status(current: str, action: str, *, has_role, contributor_role: str, reason: str | None) -> str:
    """The state after ``action``, or the problem: unknown action (400), not allowed (403),
    not possible from this state (409), a rejection without a reason (400)."""
    transition = ACTIONS.get(action)
    if transition is None:
        raise InvalidParameter(f"action must be one of {', '.join(ACTIONS)}", parameter="action")
    role = transition.role or contributor_role
    if not has_role(role):
        raise Forbidden(f"'{action}' needs the '{role}' role.")
    if current not in transition.sources:
        raise Conflict(
            f"A record that is '{current}' cannot be given '{action}' here "
            f"(only one that is {' or '.join(transition.sources)})."
        )
    if transition.needs_reason and not (reason and reason.strip()):
        raise InvalidParameter("a rejection needs a reason", parameter="reason")
    if reason and len(reason) > MAX_REASON_CHARS:
        raise InvalidParameter(f"is longer than {MAX_REASON_CHARS} characters", parameter="reason")
    return transition.target
