"""Re-balance a run for exposure: lift the least-seen consented mentor group, at a cost.

Exposure is how often a group's mentors appear in mentees' top five. When a
consented group's mean exposure is under four fifths of the best-exposed
group's, its mentors get a small bonus in the ranking and the assignment
(never in the scores shown). The smallest bonus on BONUSES that lifts the
group over four fifths is used, or the largest when none does. The result is
shown beside the run: exposure and coverage per group, total score, and the
cost in total score, with the pairs that would change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from companion.accounts.principal import Principal
from companion.errors import Conflict
from companion.matching import service
from companion.matching.cohort import ProfileVectors, load_cohort, require_people, settings_of
from companion.matching.engine import MatchResult, match_cohort
from companion.matching.fairness import FOUR_FIFTHS, MIN_GROUP, groups_of
from companion.matching.meaning import of_program
from companion.matching.models import MatchRun
from companion.matching.schemas import RebalancePublic
from companion.matching.service import get_run
from companion.programs.models import Program

BONUSES = (0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.18, 0.25)


def _least_exposed(fairness: dict) -> tuple[str, str, float] | None:
    """(attribute, group, ratio to the best group) of the worst group under four fifths."""
    worst = None
    for row in fairness.get("exposure", {}).get("by_group", []):
        ratio = row.get("mean_top5_appearances_ratio")
        if ratio is not None and ratio < FOUR_FIFTHS and (worst is None or ratio < worst[2]):
            worst = (row["attribute"], row["group"], ratio)
    return worst


def _side(result: MatchResult) -> dict[str, Any]:
    report = result.fairness
    return {
        "objective": result.objective,
        "matched": len(result.pairs),
        "exposure_by_group": report["exposure"]["by_group"],
        "by_group": report["by_group"],
        "warnings": report["warnings"],
    }


def preview(
    *, session: Session, vectors: ProfileVectors, run_id: int, principal: Principal
) -> RebalancePublic:
    """The run's cohort matched as it stands and re-balanced for exposure, side by side."""
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    program = session.get(Program, match_run.program_id)
    settings = settings_of(program)
    cohort = load_cohort(session=session, program=program)
    require_people(cohort)
    week = date.fromisoformat(
        match_run.settings.get("week_of", datetime.now(UTC).date().isoformat())
    )
    meaning = of_program(program, cohort.mentees, cohort.mentors, vectors.encode)

    def solve(bonus: list[float] | None) -> MatchResult:
        return match_cohort(
            cohort.mentees,
            cohort.mentors,
            meaning=meaning,
            capacities=cohort.capacities,
            settings=settings,
            program_kind=str(program.kind),
            week_of=week,
            managers=cohort.managers,
            mentor_bonus=bonus,
        )

    before = solve(None)
    worst = _least_exposed(before.fairness)
    payload: dict[str, Any] = {
        "run_id": match_run.id,
        "group_attribute": None,
        "boosted_group": None,
        "bonus": 0.0,
        "before": _side(before),
        "after": _side(before),
        "cost": 0.0,
        "changed": [],
    }
    if worst is None:
        payload["note"] = (
            "No consented mentor group (of at least "
            f"{MIN_GROUP}) is seen under {FOUR_FIFTHS} of the best-seen group's exposure: "
            "nothing to re-balance."
        )
        return RebalancePublic.model_validate(payload)
    attribute, group, _ = worst
    members = set(groups_of(cohort.mentors)[attribute][group])
    after, used = before, 0.0
    for step in BONUSES:
        used = step
        after = solve([step if j in members else 0.0 for j in range(len(cohort.mentors))])
        if _least_exposed(after.fairness) is None:
            break
    old = {p.mentee.external_id: p for p in before.pairs}
    new = {p.mentee.external_id: p for p in after.pairs}
    changed = []
    for mentee_id in sorted(set(old) | set(new)):
        a, b = old.get(mentee_id), new.get(mentee_id)
        if (a and a.mentor.external_id) != (b and b.mentor.external_id):
            changed.append(
                {
                    "mentee_id": mentee_id,
                    "mentee": (a or b).mentee.name,
                    "before": a and {"mentor": a.mentor.name, "score": a.score},
                    "after": b and {"mentor": b.mentor.name, "score": b.score},
                }
            )
    cost = round(before.objective - after.objective, 4)
    payload.update(
        group_attribute=attribute,
        boosted_group=group,
        bonus=used,
        after=_side(after),
        cost=cost,
        changed=changed,
        note=(
            f"Mentors with {attribute} '{group}' were lifted by {used:.2f} in ranking and "
            f"assignment (scores shown are unchanged). Cost: {cost:.3f} in total score "
            f"({before.objective:.3f} → {after.objective:.3f}), {len(changed)} pair(s) change. "
            "Nothing is saved until you apply it, as a new run that supersedes this one."
        ),
    )
    return RebalancePublic.model_validate(payload)


def apply(
    *, session: Session, vectors: ProfileVectors, run_id: int, principal: Principal
) -> MatchRun:
    """Start a new run with the re-balance the preview shows (it supersedes pending runs)."""
    shown = preview(session=session, vectors=vectors, run_id=run_id, principal=principal)
    if shown.boosted_group is None:
        raise Conflict(shown.note)
    match_run = get_run(session=session, run_id=run_id, principal=principal)
    return service.run(
        session=session,
        vectors=vectors,
        program_id=match_run.program_id,
        principal=principal,
        week_of=date.fromisoformat(match_run.settings["week_of"]),
        rebalance_for=(shown.group_attribute, shown.boosted_group, shown.bonus),
    )
