"""Every setting of a program: what it is called, what it does, and the one check of a change.

`SETTINGS` names each setting by its path (`cadence_days`, `matching.weights.semantic`)
with a label and an explanation in a coordinator's words; the settings page, the new
program form and `companion programs show` read them from here. `checked` is the one
check of a change: the command line, the API and the browser refuse the same values
with the same message, each message naming the setting by its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le
from pydantic import BaseModel, ValidationError

from companion.errors import InvalidInput
from companion.matching.config import MatchingRules, MatchingSettings, MatchingWeights
from companion.programs.models import ProgramKind
from companion.programs.schemas import ProgramUpdate

KIND_LABELS = {
    ProgramKind.one_on_one: "One to one: a mentor and a mentee",
    ProgramKind.peer: "Peers: two colleagues at a similar stage",
    ProgramKind.reverse: "Reverse: the earlier-career person mentors",
    ProgramKind.circle: "Circles: one mentor with a small group",
    ProgramKind.speed: "Speed mentoring: short talks with a shortlist of mentors",
    ProgramKind.advisory_board: "Advisory board: several mentors for one mentee",
}


@dataclass(frozen=True)
class Setting:
    path: str  # as `companion programs set` names it, and the form field's name
    label: str
    explanation: str
    group: str
    kind: str  # "text", "long_text", "lines", "choice", "whole", "number" or "yes_no"
    low: float | None = None
    high: float | None = None

    @property
    def field_id(self) -> str:
        return "setting-" + self.path.replace(".", "-").replace("_", "-")


def _bounds(model: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    """The lowest and highest value the model accepts for a number (what the form says)."""
    low = high = None
    for rule in model.model_fields[name].metadata:
        if isinstance(rule, Ge | Gt):
            low = float(rule.ge if isinstance(rule, Ge) else rule.gt)
        if isinstance(rule, Le):
            high = float(rule.le)
    return low, high


def _number(
    model: type[BaseModel], path: str, label: str, explanation: str, group: str, kind: str
) -> Setting:
    low, high = _bounds(model, path.rsplit(".", 1)[-1])
    return Setting(path, label, explanation, group, kind, low, high)


PROGRAM = "The program"
RHYTHM = "Sessions and follow-up"
WEIGHTS = "Matching: what counts in a good pair"
RULES = "Matching: pairs never proposed, and how the matcher works"
SIZES = "Group sizes"
GROUPS = {
    PROGRAM: "What participants see of the program.",
    RHYTHM: "How often people meet, and when the program page flags that a pair needs help.",
    WEIGHTS: "How much each part of the fit counts, each a number from 0 to 1. They are scaled "
    "to add up to 1, so only their proportions matter; at least one must be above 0.",
    RULES: "A pair that breaks a rule switched on here is never proposed, however good the fit.",
    SIZES: "Used only by the kinds of program that form groups.",
}

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "name", "Name", "What the program is called everywhere; no two programs share one.",
        PROGRAM, "text",
    ),
    Setting(
        "description", "Description",
        "What the program is for, in a few sentences. Participants read it.", PROGRAM, "long_text",
    ),
    Setting(
        "kind", "Kind of program",
        "Who is put together: matching proposes pairs or groups of this kind.", PROGRAM, "choice",
    ),
    Setting(
        "values", "The organisation's values",
        "Drafted agendas and goals are written in the light of these. May be left empty.",
        PROGRAM, "long_text",
    ),
    _number(
        ProgramUpdate, "cadence_days", "Days between sessions",
        "How often a pair is expected to meet; suggested session times follow it.",
        RHYTHM, "whole",
    ),
    _number(
        ProgramUpdate, "session_minutes", "Session length, in minutes",
        "How long a session is booked for unless the pair chooses otherwise.", RHYTHM, "whole",
    ),
    _number(
        ProgramUpdate, "duration_weeks", "Program length, in weeks",
        "How long a pair or group is expected to keep meeting.", RHYTHM, "whole",
    ),
    _number(
        ProgramUpdate, "stalled_after_days", "Stalled after this many days",
        "A pair with no session held for this long is shown as stalled on the program page.",
        RHYTHM, "whole",
    ),
    _number(
        ProgramUpdate, "overdue_after_days", "Action items overdue after this many days",
        "An action item this many days past its due date also marks the pair as stalled.",
        RHYTHM, "whole",
    ),
    _number(
        ProgramUpdate, "feedback_reveal_days", "Feedback shown after this many days",
        "Each member sees the other's feedback on a session once both have given it, or this "
        "many days after the session anyway (0: at once).", RHYTHM, "whole",
    ),
    Setting(
        "feedback_questions", "Feedback questions",
        "Asked after each session: one question a line, at most 10, each at most 300 "
        "characters. Leave empty to ask the built-in questions.", RHYTHM, "lines",
    ),
    Setting(
        "four_eyes", "Two people approve every draft",
        "A drafted agenda, goal or message also needs a coordinator's approval, besides its "
        "usual reviewer, before it reaches anyone.", RHYTHM, "yes_no",
    ),
    *(
        _number(MatchingWeights, f"matching.weights.{name}", label, explanation, WEIGHTS, "number")
        for name, label, explanation in (
            ("semantic", "What they write",
             "How closely what a mentee says they need meets what a mentor says they offer, "
             "read for meaning."),
            ("skills", "Skills wanted", "The share of the skills a mentee wants that the mentor "
             "lists."),
            ("availability", "Hours in common", "Weekly hours both can meet, after time zones."),
            ("communication", "Ways of meeting", "Whether they share a way of meeting: video, in "
             "person, phone or in writing."),
            ("industry", "Same industry", "Whether both work in the same industry."),
            ("experience", "Experience gap", "A gap in experience that suits the kind of program: "
             "a mentor some years ahead, peers close together."),
            ("working_style", "Working style", "Words in common in what they say about how they "
             "like to work."),
        )
    ),
    Setting(
        "matching.rules.require_shared_language", "A language in common",
        "Never propose people who share no language.", RULES, "yes_no",
    ),
    Setting(
        "matching.rules.exclude_reporting_line", "Not in the same reporting line",
        "Never pair someone with their manager or their manager's manager.", RULES, "yes_no",
    ),
    Setting(
        "matching.rules.exclude_same_manager", "Not with the same manager",
        "Never pair two people who report to the same manager.", RULES, "yes_no",
    ),
    Setting(
        "matching.rules.exclude_same_department", "Not from the same department",
        "Never pair two people from the same department.", RULES, "yes_no",
    ),
    Setting(
        "matching.rules.require_shared_hours", "Some weekly hours in common",
        "Never propose a pair with no weekly hours in common, unless both accept mentoring in "
        "writing (asynchronous).", RULES, "yes_no",
    ),
    Setting(
        "matching.rules.maximise_matched_first", "Match as many people as possible first",
        "Give as many mentees as possible a mentor, then make the pairs as good as possible. "
        "Off: the best pairs first, even if a few more mentees wait.", RULES, "yes_no",
    ),
    _number(
        MatchingRules, "matching.rules.candidates_per_mentee", "Mentors considered per mentee",
        "In a large program, only this many of the best-fitting mentors are weighed for each "
        "mentee, to keep matching quick.", RULES, "whole",
    ),
    _number(
        MatchingRules, "matching.rules.availability_target_hours",
        "Weekly hours that count as fully available",
        "Shared hours a week at which \u201cHours in common\u201d scores in full.", RULES, "number",
    ),
    _number(
        MatchingSettings, "matching.circle_size", "Mentees per circle",
        "In a circles program: how many mentees join each mentor.", SIZES, "whole",
    ),
    _number(
        MatchingSettings, "matching.shortlist_size", "Mentors on a speed-mentoring shortlist",
        "In a speed-mentoring program: how many mentors each mentee meets.", SIZES, "whole",
    ),
    _number(
        MatchingSettings, "matching.board_size", "Mentors on an advisory board",
        "In an advisory-board program: how many mentors advise each mentee.", SIZES, "whole",
    ),
)  # fmt: skip
BY_PATH = {setting.path: setting for setting in SETTINGS}


def current(program_values: dict[str, Any]) -> dict[str, Any]:
    """Every setting's value by path, from a program's columns (matching filled in)."""
    shown: dict[str, Any] = {}
    matching = MatchingSettings.model_validate(program_values.get("matching") or {}).model_dump()
    for setting in SETTINGS:
        if setting.path.startswith("matching."):
            value: Any = matching
            for part in setting.path.split(".")[1:]:
                value = value[part]
        else:
            value = program_values.get(setting.path)
        shown[setting.path] = value
    return shown


def flat(matching: dict[str, Any], prefix: str = "matching") -> dict[str, Any]:
    """`{"weights": {"semantic": 0.5}}` as `{"matching.weights.semantic": 0.5}`."""
    leaves: dict[str, Any] = {}
    for key, value in matching.items():
        if isinstance(value, dict):
            leaves.update(flat(value, f"{prefix}.{key}"))
        else:
            leaves[f"{prefix}.{key}"] = value
    return leaves


def _details(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    return [
        {
            "field": prefix + ".".join(str(part) for part in error["loc"]),
            "message": error["msg"].removeprefix("Value error, "),
        }
        for error in exc.errors()
    ]


def overlaid(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it, group by group (nothing checked yet)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def merged_matching(now: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A partial change applied to matching settings (what it does not name stays), checked."""
    merged = overlaid(MatchingSettings.model_validate(now or {}).model_dump(), changes)
    try:
        return MatchingSettings.model_validate(merged).model_dump()
    except ValidationError as exc:
        raise refusal(_details(exc, "matching.")) from None


def refusal(details: list[dict[str, str]]) -> InvalidInput:
    """One InvalidInput for every problem found, each naming its setting."""
    return InvalidInput(
        "; ".join(f"{d['field']}: {d['message']}" for d in details), details=details
    )


def checked(changes: dict[str, Any], *, matching_now: dict[str, Any]) -> dict[str, Any]:
    """The changes as the program stores them, or one InvalidInput naming every bad setting.

    Values may be text (a form, the command line): "14" is a whole number and
    "0.6" a number when the setting is one. `matching` is a partial change merged
    into `matching_now`.
    """
    details: list[dict[str, str]] = []
    plain = {key: value for key, value in changes.items() if key != "matching"}
    details += [
        {"field": key, "message": "Give a value; a setting cannot be empty."}
        for key, value in plain.items()
        if value is None
    ]
    found: dict[str, Any] = {}
    try:
        model = ProgramUpdate.model_validate(plain)
        found = {key: getattr(model, key) for key in plain}
    except ValidationError as exc:
        details += _details(exc)
    if "matching" in changes:
        if not isinstance(changes["matching"], dict):
            details.append(
                {"field": "matching", "message": "Name the matching settings to change."}
            )
        else:
            try:
                found["matching"] = merged_matching(matching_now, changes["matching"])
            except InvalidInput as exc:
                details += exc.details
    if details:
        raise refusal(details)
    return found
