"""How drafts fare in review, per kind: how often reviewers approve them as drafted,
and how much they change before approving.

The change is a normalised edit distance between the drafted and the approved text:
the number of words inserted, deleted or replaced (Levenshtein distance over words)
divided by the length of the longer text, so 0 means approved as drafted and 1 means
rewritten. It is computed from what review already stores (the draft's original
text is kept apart when a reviewer edits it).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session

from companion.accounts import policy as account_policy
from companion.accounts.principal import Principal, System
from companion.drafting.models import Draft, DraftStatus
from companion.drafting.text import words_of
from companion.errors import NotFound
from companion.programs.models import Program

# Statuses a human decision has put a draft in; "withdrawn" drafts had been approved.
APPROVED = (DraftStatus.approved, DraftStatus.delivered, DraftStatus.withdrawn)
DECIDED = (*APPROVED, DraftStatus.rejected, DraftStatus.changes_requested)
# Below this many decided drafts of a kind, rates are not shown: with one or two
# drafts made from a pair's own material they would describe that pair's review.
MIN_DECIDED = 3
# Texts are compared over at most this many words each (the edit distance is quadratic).
MAX_WORDS = 1500


@dataclass(frozen=True)
class KindReview:
    """Review outcomes of one draft kind."""

    kind: str
    decided: int
    approved: int
    approved_unedited: int
    rejected: int
    changes_requested: int
    # Mean normalised edit distance of approved drafts (0 for those approved as drafted).
    mean_change: float | None

    @property
    def shown(self) -> bool:
        return self.decided >= MIN_DECIDED

    @property
    def unedited_rate(self) -> float | None:
        """Share of approved drafts approved without an edit."""
        if not self.shown or not self.approved:
            return None
        return self.approved_unedited / self.approved


def edit_distance(drafted: str, approved: str) -> float:
    """Words inserted, deleted or replaced to turn `drafted` into `approved`, divided by
    the longer text's length in words: 0.0 identical, 1.0 nothing in common."""
    a = [w.lower() for w in words_of(drafted)][:MAX_WORDS]
    b = [w.lower() for w in words_of(approved)][:MAX_WORDS]
    if not a and not b:
        return 0.0
    previous = list(range(len(b) + 1))
    for i, word in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1] / max(len(a), len(b))


def review_by_kind(
    *, session: Session, principal: Principal, program_id: int | None = None
) -> list[KindReview]:
    """Review outcomes per draft kind over the drafts `principal` coordinates: those of
    their programs (of one, with `program_id`), and the knowledge-base answers they
    asked for themselves. Coordinators of a program see that program only; a program
    they do not coordinate answers the same as one that does not exist."""
    account_policy.require_any_coordinator(principal)
    allowed = account_policy.coordinated_program_ids(principal)
    if program_id is not None:
        if session.get(Program, program_id) is None or (
            allowed is not None and program_id not in allowed
        ):
            raise NotFound("No such program.")
        allowed = {program_id}
    in_programs = (
        Draft.program_id.is_not(None) if allowed is None else Draft.program_id.in_(allowed)
    )
    # An answer belongs to no program; only the coordinator who asked for it reviews it.
    answers = and_(
        Draft.program_id.is_(None),
        true() if isinstance(principal, System) else Draft.requested_by_id == principal.id,
    )
    scope = in_programs if program_id is not None else or_(in_programs, answers)
    query = select(Draft).where(Draft.status.in_(DECIDED), scope)
    drafts = session.scalars(query.order_by(Draft.kind, Draft.id)).all()
    by_kind: dict[str, list[Draft]] = {}
    for draft in drafts:
        by_kind.setdefault(draft.kind, []).append(draft)
    return [_summary(kind, own) for kind, own in sorted(by_kind.items())]


def _summary(kind: str, drafts: list[Draft]) -> KindReview:
    approved = [d for d in drafts if d.status in APPROVED]
    changes = [
        0.0 if d.original_text is None else edit_distance(d.original_text, d.text) for d in approved
    ]
    return KindReview(
        kind=kind,
        decided=len(drafts),
        approved=len(approved),
        approved_unedited=sum(d.original_text is None for d in approved),
        rejected=sum(d.status == DraftStatus.rejected for d in drafts),
        changes_requested=sum(d.status == DraftStatus.changes_requested for d in drafts),
        mean_change=round(statistics.fmean(changes), 3)
        if changes and len(drafts) >= MIN_DECIDED
        else None,
    )
