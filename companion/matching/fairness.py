"""The fairness report of a matching run: who is served, how well, and who is seen.

Demographic fields are used only for people who consented, and only in
aggregate: a group with fewer than MIN_GROUP people is not shown. Groups are
compared only with each other, never with everyone (people who did not
consent would then move the yardstick): a group whose share matched, mean
score or exposure is under FOUR_FIFTHS of the best-off group's gets a
warning (the four-fifths rule of adverse-impact analysis).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from companion.matching.profiles import Profile

MIN_GROUP = 3
FOUR_FIFTHS = 0.8


def groups_of(people: Sequence[Profile]) -> dict[str, dict[str, list[int]]]:
    out: dict[str, dict[str, list[int]]] = {"gender": {}, "underrepresented": {}}
    for i, p in enumerate(people):
        if not p.consent_demographics:
            continue
        if p.gender:
            out["gender"].setdefault(p.gender.strip().lower(), []).append(i)
        if p.underrepresented is not None:
            label = "yes" if p.underrepresented else "no"
            out["underrepresented"].setdefault(label, []).append(i)
    return out


def four_fifths(rows: Sequence[dict], key: str, template: str) -> list[str]:
    """Warnings for shown groups whose `key` is under four fifths of the best group's."""
    shown = [r for r in rows if r.get("shown")]
    if len(shown) < 2:
        return []
    best = max(shown, key=lambda r: r[key])
    if best[key] <= 0:
        return []
    warnings = []
    for row in shown:
        ratio = row[key] / best[key]
        row[f"{key}_ratio"] = round(ratio, 3)
        if ratio < FOUR_FIFTHS:
            warnings.append(
                template.format(group=row["group"], value=row[key])
                + f", {ratio:.2f} of the best-off group ('{best['group']}', "
                + (f"{best[key]:.0%}" if key == "coverage" else f"{best[key]:.2f}")
                + f"): under the four-fifths rule ({FOUR_FIFTHS})."
            )
    return warnings


def _gini(values: np.ndarray) -> float:
    if values.size == 0 or values.sum() == 0:
        return 0.0
    ordered = np.sort(values)
    n = ordered.size
    cumulative = np.cumsum(ordered)
    return float((n + 1 - 2 * (cumulative / cumulative[-1]).sum()) / n)


def report(
    *,
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    capacities: Sequence[int],
    matched_score: dict[int, float],
    mentor_load: Sequence[int],
    top5: Sequence[Sequence[int]],
) -> dict:
    """matched_score: mentee index -> score of their match; top5: mentor indexes per mentee."""
    warnings: list[str] = []
    n = len(mentees)
    overall_coverage = len(matched_score) / n if n else 0.0
    overall_score = float(np.mean(list(matched_score.values()))) if matched_score else 0.0

    by_group: dict[str, list[dict]] = {}
    for attribute, groups in groups_of(mentees).items():
        rows = []
        for label, members in sorted(groups.items()):
            if len(members) < MIN_GROUP:
                rows.append({"group": label, "people": f"fewer than {MIN_GROUP}", "shown": False})
                continue
            scores = [matched_score[i] for i in members if i in matched_score]
            coverage = len(scores) / len(members)
            mean = float(np.mean(scores)) if scores else 0.0
            rows.append(
                {
                    "group": label,
                    "people": len(members),
                    "coverage": round(coverage, 3),
                    "mean_score": round(mean, 3),
                    "shown": True,
                }
            )
        by_group[attribute] = rows
        warnings += four_fifths(
            rows,
            "coverage",
            f"Mentees with {attribute} '{{group}}' were matched {{value:.0%}} of the time",
        )
        warnings += four_fifths(
            rows,
            "mean_score",
            f"Mentees with {attribute} '{{group}}' got matches scoring {{value:.2f}} on average",
        )

    load = np.asarray(mentor_load, dtype=float)
    caps = np.asarray(capacities, dtype=float)
    utilisation = np.divide(load, caps, out=np.zeros_like(load), where=caps > 0)
    idle = int(((load == 0) & (caps > 0)).sum())
    if len(load) and idle > len(load) / 2 and len(matched_score) < n:
        warnings.append(f"{idle} mentors have no mentee while some mentees are unmatched.")

    exposure = np.zeros(len(mentors), dtype=int)
    for row in top5:
        for j in row:
            exposure[j] += 1
    exposed_rows = []
    for attribute, groups in groups_of(mentors).items():
        rows = [
            {
                "attribute": attribute,
                "group": label,
                "mentors": len(members),
                "mean_top5_appearances": round(float(exposure[members].mean()), 2),
                "shown": True,
            }
            for label, members in sorted(groups.items())
            if len(members) >= MIN_GROUP
        ]
        exposed_rows += rows
        warnings += four_fifths(
            rows,
            "mean_top5_appearances",
            f"Mentors with {attribute} '{{group}}' appear in mentees' top five {{value:.1f}} "
            "times on average",
        )
    never = int((exposure == 0).sum())
    if len(mentors) and never > len(mentors) / 3:
        warnings.append(
            f"{never} of {len(mentors)} mentors never appear in any mentee's top 5: their "
            "profiles may be too short, or their rules too strict."
        )
    most = np.argsort(-exposure, kind="stable")[:5]
    return {
        "mentees": n,
        "matched": len(matched_score),
        "coverage": round(overall_coverage, 3),
        "mean_score": round(overall_score, 3),
        "by_group": by_group,
        "mentor_load": {
            "mentors": len(mentors),
            "without_mentee": idle,
            "mean_utilisation": round(float(utilisation.mean()), 3) if len(load) else 0.0,
            "max_load": int(load.max()) if len(load) else 0,
            "gini": round(_gini(load), 3),
        },
        "exposure": {
            "never_in_top5": never,
            "most_exposed": [
                {"mentor_id": mentors[j].external_id, "top5_appearances": int(exposure[j])}
                for j in most
                if exposure[j] > 0
            ],
            "by_group": exposed_rows,
        },
        "warnings": warnings,
        "note": (
            "Demographic groups use only people who consented, and are compared only with "
            f"each other (warning under {FOUR_FIFTHS} of the best-off group: the four-fifths "
            f"rule); groups of fewer than {MIN_GROUP} are not shown."
        ),
    }
