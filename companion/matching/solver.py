"""The global assignment: min-cost flow over candidate pairs (OR-Tools).

Source -> each mentee (capacity 1) -> each candidate mentor (cost -score) ->
sink (capacity = the mentor's capacity). Every mentee also has an arc straight
to the sink at cost 0, so an assignment that leaves someone unmatched is
feasible and the solver is exact on the candidate graph: it maximises the sum
of scores. With `maximise_matched_first`, each match also earns a bonus larger
than any possible sum of scores, so the count of matches is maximised first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SCALE = 1_000_000  # scores in [0, 1] become integer costs with 6 decimals


@dataclass(frozen=True)
class Edge:
    mentee: int
    mentor: int
    score: float
    # Added to the score in the objective only (a clear fit, a re-balance).
    priority: float = 0.0


def solve(
    n_mentees: int,
    capacities: Sequence[int],
    edges: Sequence[Edge],
    *,
    maximise_matched_first: bool = False,
) -> list[Edge]:
    """The chosen edges, sorted by mentee; deterministic for the same input."""
    from ortools.graph.python import min_cost_flow

    if n_mentees == 0 or not edges:
        return []
    n_mentors = len(capacities)
    source = 0
    mentee_node = 1
    mentor_node = 1 + n_mentees
    sink = 1 + n_mentees + n_mentors
    top = max((e.score + e.priority for e in edges), default=1.0)
    bonus = round(SCALE * (n_mentees + 1) * max(1.0, top)) if maximise_matched_first else 0

    flow = min_cost_flow.SimpleMinCostFlow()
    for i in range(n_mentees):
        flow.add_arc_with_capacity_and_unit_cost(source, mentee_node + i, 1, 0)
        flow.add_arc_with_capacity_and_unit_cost(mentee_node + i, sink, 1, 0)
    ordered = sorted(edges, key=lambda e: (e.mentee, e.mentor))
    arcs = []
    for edge in ordered:
        cost = -round((edge.score + edge.priority) * SCALE) - bonus
        arcs.append(
            flow.add_arc_with_capacity_and_unit_cost(
                mentee_node + edge.mentee, mentor_node + edge.mentor, 1, cost
            )
        )
    for j, capacity in enumerate(capacities):
        if capacity > 0:
            flow.add_arc_with_capacity_and_unit_cost(mentor_node + j, sink, capacity, 0)
    flow.set_node_supply(source, n_mentees)
    flow.set_node_supply(sink, -n_mentees)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not find an optimum (status {status})")
    return [edge for edge, arc in zip(ordered, arcs, strict=True) if flow.flow(arc) > 0]
