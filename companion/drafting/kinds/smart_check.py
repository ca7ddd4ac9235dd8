"""The SMART check: a verdict with a reason per criterion and a suggested rewrite, and
how far a checker agrees with human labels (`smart_eval`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from companion.drafting.goal_families import (
    DEFAULT_GOAL_WEEKS,
    LEAD_IN,
    cleaned_aspiration,
    family_of,
)
from companion.drafting.inputs import Sources, goal_summary
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.text import (
    STOP_WORDS,
    as_sentence,
    content_words,
    plain,
    shorten,
    spoken_date,
    strip_end,
)
from prompts.schemas import (
    CRITERIA,
    CriterionVerdict,
    DraftKind,
    GoalSummary,
    SmartCheck,
    SmartCheckInput,
)

KIND = DraftKind.smart_check
HEADLINE = "A SMART check of your goal"
REVIEWERS = frozenset({Reviewer.subject})
RECEIVERS = Audience.subject


def gather(sources: Sources) -> SmartCheckInput:
    goal = goal_summary(sources.target.goal)
    return SmartCheckInput(
        today=sources.today,
        goal=goal,
        guidance=sources.guidance(f"SMART goal {goal.title}"),
    )


def check_smart(goal: GoalSummary, *, today: date) -> SmartCheck:
    """The offline SMART check: a verdict with a specific reason per criterion, and a rewrite."""
    signals = _GoalSignals.read(goal)
    verdicts = [
        _specific_verdict(signals),
        _measurable_verdict(signals),
        _achievable_verdict(goal, signals),
        _relevant_verdict(signals),
        _time_bound_verdict(goal, signals, today),
    ]
    met = {v.criterion: v.met for v in verdicts}
    return SmartCheck(verdicts=verdicts, suggested_rewrite=_rewrite(goal, met, today))


def smart_eval(
    entries: Sequence[dict[str, Any]],
    *,
    today: date | str | None = None,
    checker: Callable[..., SmartCheck] | None = None,
) -> dict[str, Any]:
    """How far a SMART checker (`check_smart` unless given) agrees with human labels.

    Each entry is `{"goal": {GoalSummary fields}, "missing": [criteria a human found
    missing]}`. Returns per-criterion accuracy, the exact-match rate (all five verdicts
    agree) and the overall accuracy over the 5×N verdicts, with each disagreement.
    """
    if not entries:
        raise ValueError("no labelled goals to evaluate")
    if isinstance(today, str):
        today = date.fromisoformat(today)
    # Verdicts never depend on the date (only the rewrite's wording does), so an eval
    # file without one can still be scored.
    today = today or date.today()
    agree = dict.fromkeys(CRITERIA, 0)
    exact = 0
    disagreements: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        goal = GoalSummary.model_validate(entry["goal"])
        labelled = set(entry.get("missing") or [])
        unknown = sorted(labelled - set(CRITERIA))
        if unknown:
            raise ValueError(f"entry {index} labels unknown criteria: {', '.join(unknown)}")
        found = set((checker or check_smart)(goal, today=today).missing)
        for criterion in CRITERIA:
            if (criterion in found) == (criterion in labelled):
                agree[criterion] += 1
            else:
                disagreements.append(
                    {
                        "index": index,
                        "title": goal.title,
                        "criterion": criterion,
                        "labelled_missing": criterion in labelled,
                        "checker_missing": criterion in found,
                    }
                )
        exact += found == labelled
    n = len(entries)
    return {
        "goals": n,
        "per_criterion": {c: round(agree[c] / n, 4) for c in CRITERIA},
        "exact_match": round(exact / n, 4),
        "overall": round(sum(agree.values()) / (5 * n), 4),
        "disagreements": disagreements,
    }


_COMPARATIVE = (
    r"(?:better|more|less|stronger|good|great|well|confident|comfortable|happier|"
    r"effective|efficient|visible|successful|organi[sz]ed)"
)
# A goal that opens with a direction rather than an action: "get better at", "improve".
_VAGUE_START = re.compile(
    rf"^(?:get(?:ting)?|be|become|feel|grow|grow into being)\s+(?:a\s+|an\s+|much\s+)?"
    rf"{_COMPARATIVE}\b|^(?:be|become)\s+(?!a\b|an\b|the\b|promoted\b|certified\b|hired\b|"
    r"accepted\b|selected\b|appointed\b)\w+|"
    r"^(?:improve|improving|grow|growing|develop|developing|enhance|enhancing|strengthen|"
    r"boost|work on|focus on|explore|understand|know more|learn more|gain|"
    r"build (?:up )?(?:my )?confidence|try to|continue to|keep|sort out|deal with|"
    r"do something about|look into|tackle|address|think about|get on top of)\b|"
    rf"^\w+\s+{_COMPARATIVE}\b",
    re.IGNORECASE,
)
_CONCRETE_VERB = re.compile(
    r"\b(?:lead|leads|leading|led|present|presents|presenting|presented|publish\w*|"
    r"deliver\w*|launch\w*|ship|ships|shipping|shipped|complete|completes|completing|"
    r"completed|finish\w*|pass|passes|passing|passed|run|runs|running|ran|organi[sz]e\w*|"
    r"facilitat\w*|design|designs|designing|designed|hire|hires|hiring|hired|mentor|"
    r"mentors|submit\w*|create|creates|creating|created|build|builds|building|built|"
    r"migrate\w*|automate\w*|prepare|prepares|preparing|prepared|give|gives|giving|gave|"
    r"teach\w*|taught|speak|speaks|speaking|spoke|earn\w*|obtain\w*|achieve\w*|host\w*|"
    r"chair\w*|coach\w*|negotiat\w*|apply for|applied for|write|writes|writing|wrote|"
    r"written|draft|drafts|drafting|drafted|implement\w*|introduce\w*|reduce\w*|"
    r"increase\w*|cut|raise\w*|double\w*|secure\w*|interview\w*|attend\w*|read|"
    r"own|owns|owning|set up|sets up|take over|takes over|move into|moves into|"
    r"transition to|transition into|switch to|get certified|get promoted|be promoted|"
    r"become a|become an|refactor\w*|document\w*|onboard\w*|train|trains|conduct\w*|"
    r"establish\w*|propose\w*|pitch\w*|demo|demos|hold|holds|holding|delegate\w*|"
    r"sign off|close|closes|closing|closed|book|books|booking|booked)\b"
    r"(?P<rest>(?:\s+[\w'’&/-]+){1,6})",
    re.IGNORECASE,
)
_WEAK_OBJECT = frozenset(
    "better more less well good great stronger best confident comfortable effectively "
    "efficiently things stuff skills skill myself".split()
)
_YEAR = r"(?:19|20)\d{2}"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_TIME_UNIT = r"(?:days?|weeks?|months?|quarters?|years?|sprints?|yrs?|wks?)"
_EFFORT = r"\s*(?:hours?|hrs?|h|minutes?|mins?)\s+(?:a|an|per|each|every)\b"
_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|dozen|a couple of|a handful of)"
)
# A quantity that is neither a date, a span of time nor weekly effort: "3 talks", "20%".
_QUANTITY = re.compile(
    rf"(?<![\w/-])(?!{_YEAR}\b)\d+(?:[.,]\d+)?(?![\w/:-])(?!\s*{_TIME_UNIT}\b)(?!{_EFFORT})|"
    rf"\b{_NUMBER_WORDS}\b(?!\s+(?:more\s+)?(?:of\s+)?(?:the\s+)?{_TIME_UNIT}\b)(?!{_EFFORT})|"
    r"%|\bpercent\b|\bat (?:least|most)\b|\bdouble\b|\bhalve\b|\btwice\b",
    re.IGNORECASE,
)
# Numbers that name a thing rather than count it: "ward 4", "Year 7", "version 2".
_LABEL_WORDS = frozenset(
    "year ward room level grade tier floor building version phase step page chapter unit "
    "class group stage band section team site line bay block wave cohort sprint key v no".split()
)
# "More", "fewer", "better" promise a change without saying how much.
_COMPARISON = re.compile(
    r"\b(?:more|fewer|less|better|improved?|higher|lower|faster|quicker|stronger|bigger|"
    r"smaller|easier)\b",
    re.IGNORECASE,
)
# In the measurable part, "no manual steps" or "all 8 entries" count too.
_FIELD_COUNT = re.compile(r"\b(?:no|zero|none|all|every|each|any)\b", re.IGNORECASE)
_EVIDENCE = re.compile(
    r"\b(?:complet\w*|deliver\w*|publish\w*|present\w*|certif\w*|pass|passes|passed|"
    r"passing|launch\w*|ship|ships|shipped|score\w*|rating|rated|survey\w*|promot\w*|"
    r"hired|submit\w*|approv\w*|sign(?:ed)? off|signs? off|metric\w*|kpis?|measur\w*|"
    r"tracked|feedback from|confirm\w*|demonstrat\w*|go live|goes live|in production|"
    r"merged|released|finish\w*|won)\b",
    re.IGNORECASE,
)
# In the measurable part itself, a described check counts as well: "my manager confirms".
_FIELD_EVIDENCE = re.compile(
    r"\b(?:feedback from|agree[sd]? (?:that|to)|observed|recorded|documented|assessed|"
    r"evaluated|review(?:ed)? by|tested|verified|checked by|accepted|adopted|used by|"
    r"in use|signed|report)\b",
    re.IGNORECASE,
)
# A single event led or given is done or not done: "lead a design review".
_ONE_EVENT = re.compile(
    r"\b(?:lead|run|facilitate|chair|host|organi[sz]e|give|hold|deliver|plan and run|"
    r"present at|speak at)\s+(?:a|an|one|the|my first|our next|the next|our)\s+"
    r"(?:[\w'’-]+\s+){0,3}?(?:review|meeting|workshop|session|retro\w*|project|launch|"
    r"migration|presentation|talk|demo|training|planning|offsite|kick-?off|all-hands|"
    r"town hall|webinar|hackathon|post-?mortem|conference|event|pilot|proposal)s?\b",
    re.IGNORECASE,
)
# A named book read is done or not done: "read The Manager's Path".
_ONE_BOOK = re.compile(
    r"\b(?i:read|finish reading)\s+(?:(?i:a|the)\s+book\b|[\"“]?[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*)*)"
)
# Taking on a role is done or not done: "become a team lead".
_NEW_ROLE = re.compile(
    rf"\b(?:become|be appointed|be promoted to|get promoted to|move into|land|secure|get)\s+"
    rf"(?:a|an|the|my first)\s+(?!(?:[\w-]+\s+){{0,3}}?{_COMPARATIVE}\b)(?:[\w'’-]+\s+){{0,3}}?"
    r"(?:lead|manager|role|position|job|director|principal|architect|owner|chair|head)\b",
    re.IGNORECASE,
)
# The means: support, resources or time set aside ("an hour a week", "my mentor").
_SUPPORT = re.compile(
    r"\b(?:support\w*|with (?:the )?help of|help from|resourc\w*|budget\w*|courses?|"
    r"training|(?:mentor|manager)'s|with my mentor|coaching|workshops?|buddy|"
    r"pair(?:ing)? with|shadow\w*|sponsor\w*|"
    r"tutor\w*|study plan|allocated|protected time|dedicated time|set aside|blocked|"
    r"licen[cs]e|funded|pays? for|capacity|already|step by step|small steps)\b|"
    r"\b(?:an?|one|two|three|four|five|half an?|\d+)\s+(?:hours?|hrs?|days?|afternoons?|"
    r"mornings?|evenings?)\s+(?:a|an|per|each|every)\s+(?:day|week|month|fortnight|"
    r"morning|evening|sprint)\b|\bhours? of (?:\w+\s+)?time\b|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday) (?:afternoons|mornings)\b|"
    # A person named is not support; a person committed to helping is.
    r"\bmy (?:mentor|manager|coach|lead|team lead|director|supervisor|pm)\s+(?:has\s+|have\s+)?"
    r"(?:agreed|will|gives|gave|supports|backs|offered|approved|pays|helps|is helping)\b",
    re.IGNORECASE,
)
# Small actions in the person's own hands need no stated means: "read two books".
_OWN_SMALL_ACTION = re.compile(
    r"^(?:read|re-read|try|watch|listen to|attend|sign up for|join|keep a (?:journal|log|"
    r"diary)|write down|reflect on|ask for|ask)\b",
    re.IGNORECASE,
)
# A written reason: "so that", "because", "so customers can", "for my role".
_WHY = re.compile(
    r"\b(?:so that|so (?:\w+\s+){1,2}?(?:can|could|will|would|won't|don't|stop|spend|get|"
    r"have|no longer)|because|in order to|which will|this will|that will|will help|"
    r"to help (?:me|my|our|the|us)|helps? (?:me|my|our|the|us)|needed for|required for|"
    r"necessary for|essential for|for my (?:role|career|promotion|growth|development|"
    r"next)|(?:career|promotion) (?:goal|step|path|plan)|aligned with|"
    r"aligns with|matters? (?:to|for|because))\b",
    re.IGNORECASE,
)
_WHEN = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b{_YEAR}\b|"
    rf"\b(?:q[1-4]|h[12])\b|\b(?:by|before|until|till|no later than|ahead of|in time for)\s+"
    rf"(?:the\s+)?(?:end\s+of\s+(?:the\s+)?|start\s+of\s+(?:the\s+)?|mid-?)?"
    rf"(?:{_MONTH}\b|\d|next\b|this\b|summer|winter|spring|autumn|fall|year|quarter|month|"
    rf"week|sprint|program|programme|review|cycle|deadline|launch|release|freeze|time|"
    rf"(?:mon|tues|wednes|thurs|fri|satur|sun)day)|"
    rf"\b(?:before|ahead of|in time for|no later than)\s+(?:the|my|our|next)\s+\w+|"
    rf"\b(?:within|in|over|inside)\s+(?:the\s+)?(?:next\s+)?(?:\d+|a|an|one|two|three|four|"
    rf"five|six|seven|eight|nine|ten|eleven|twelve|eighteen|few|couple of)\s+{_TIME_UNIT}\b|"
    rf"\b(?:next|this|the coming)\s+(?:week|month|quarter|year|sprint|half|cycle)\b|"
    rf"\b(?:end|start|middle|beginning) of (?:the\s+)?(?:year|quarter|month|program|"
    rf"programme|sprint|half|cycle|term|semester|{_MONTH})\b|"
    rf"\b(?:january|february|april|june|july|august|september|october|november|december)\b|"
    rf"\b(?:march|may)\s+\d|\b(?:in|at|the|by|before|until|early|late|mid-?)\s+(?:march|may)\b|"
    rf"\b(?:eoy|eoq|deadline|due date)\b",
    re.IGNORECASE,
)
_VAGUE_TIME = re.compile(
    r"\b(?:soon|eventually|someday|some day|asap|as soon as possible|ongoing|over time|"
    r"when possible|when i can|at some point|in the future|one day)\b",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(r"\b(?:by|through|via|and|so that|to)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _GoalSignals:
    """A goal's text fields, cleaned for the checks (a title's "I want to" dropped)."""

    title: str
    specific: str
    measurable: str
    achievable: str
    relevant: str
    time_bound: str

    @classmethod
    def read(cls, goal: GoalSummary) -> _GoalSignals:
        return cls(
            title=LEAD_IN.sub("", plain(goal.title), count=1),
            specific=LEAD_IN.sub("", plain(goal.specific), count=1),
            measurable=plain(goal.measurable),
            achievable=plain(goal.achievable),
            relevant=plain(goal.relevant),
            time_bound=plain(goal.time_bound),
        )

    @property
    def statement(self) -> str:
        """The goal's own statement: title and specific part."""
        return ". ".join(t for t in (self.title, self.specific) if t)

    @property
    def everything(self) -> str:
        fields = (
            self.title,
            self.specific,
            self.measurable,
            self.achievable,
            self.relevant,
            self.time_bound,
        )
        return ". ".join(f for f in fields if f)


def _substantial(text: str, words: int = 3) -> bool:
    return len(content_words(text)) >= words


def _concrete_action(text: str) -> str | None:
    """A concrete verb with a real object ("lead a design review"), if the text has one."""
    for match in _CONCRETE_VERB.finditer(text):
        words = match.group("rest").split()
        rest = [w.lower().strip("'’-") for w in words]
        if any(w in _WEAK_OBJECT for w in rest[:2]):
            continue
        objects = [i for i, w in enumerate(rest) if w not in STOP_WORDS | _WEAK_OBJECT]
        if objects:
            end = objects[0]
            while end + 1 in objects:
                end += 1
            verb = text[match.start() : match.start("rest")].strip()
            return " ".join([verb, *words[: end + 1]])
    return None


def _vague_opening(text: str) -> re.Match[str] | None:
    """The direction a goal opens with ("get better"), unless an action follows it
    ("improve my slides by presenting at two team meetings")."""
    vague = _VAGUE_START.match(text)
    if vague is None:
        return None
    connector = _CONNECTOR.search(text, vague.end())
    if connector and _concrete_action(text[connector.end() :]):
        return None
    return vague


def _excerpt(text: str, limit: int = 80) -> str:
    return shorten(strip_end(text), limit)


def _around(text: str, match: re.Match[str], words: int = 4) -> str:
    """A few words either side of a match, within its sentence, to quote in a reason."""
    start = max(text.rfind(". ", 0, match.start()) + 2, 0)
    end = text.find(". ", match.end())
    sentence_before = text[start : match.start()].split()[-words:]
    sentence_after = text[match.end() : end if end >= 0 else None].split()[:words]
    return " ".join([*sentence_before, match.group(0).strip(), *sentence_after])


def _specific_verdict(s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="specific", met=met, why=why)

    if (
        len(s.specific.split()) >= 6
        and _substantial(s.specific)
        and _vague_opening(s.specific) is None
    ):
        return verdict(True, f"The specific part spells out the goal: '{_excerpt(s.specific)}'.")
    vague = _vague_opening(s.title)
    action = None if vague else _concrete_action(s.title)
    if action:
        return verdict(True, f"It names a concrete action and what it applies to: '{action}'.")
    if vague:
        detail = (
            f" The specific part ('{_excerpt(s.specific)}') does not pin it down either."
            if s.specific
            else ""
        )
        return verdict(
            False,
            f"'{vague.group(0).strip()}' names a direction, not an outcome: say what you will "
            f"do and on what (for example 'lead the next design review').{detail}",
        )
    return verdict(
        False,
        "It does not say what you will do or where: name the action and the piece of work, "
        "audience or skill it applies to, in a sentence of its own.",
    )


def _quantity(text: str) -> re.Match[str] | None:
    """The first number or count word in `text` that counts something."""
    for match in _QUANTITY.finditer(text):
        before = text[: match.start()].split()[-1:]
        if not (match.group(0)[0].isdigit() and before and before[0].lower() in _LABEL_WORDS):
            return match
    return None


def _measurable_verdict(s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="measurable", met=met, why=why)

    def counted(label: str, text: str, found: re.Match[str]) -> CriterionVerdict:
        quoted = _excerpt(_around(text, found))
        return verdict(True, f"The {label} gives something to count: '{quoted}'.")

    def shown(label: str, text: str, found: re.Match[str]) -> CriterionVerdict:
        quoted = _excerpt(_around(text, found))
        return verdict(True, f"The {label} names evidence of done: '{quoted}'.")

    field = s.measurable
    if field:
        found = _quantity(field) or _FIELD_COUNT.search(field)
        if found:
            return counted("measurable part", field, found)
        comparison = _COMPARISON.search(field)
        if comparison:
            return verdict(
                False,
                f"The measurable part ('{_excerpt(field)}') says '{comparison.group(0)}' without "
                "a number or a check anyone could make; say how much, or what will show it.",
            )
        found = _EVIDENCE.search(field) or _FIELD_EVIDENCE.search(field)
        if found:
            return shown("measurable part", field, found)
    # A statement that opens with a direction ("improve my presentation skills") names
    # a topic, not a deliverable: only a number in it can count.
    for text in (s.title, s.specific):
        if not text:
            continue
        found = _quantity(text)
        if found:
            return counted("goal", text, found)
        if _vague_opening(text) is None:
            found = next(
                (m for p in (_EVIDENCE, _ONE_EVENT, _NEW_ROLE, _ONE_BOOK) if (m := p.search(text))),
                None,
            )
            if found:
                return shown("goal", text, found)
    if field:
        return verdict(
            False,
            f"The measurable part ('{_excerpt(field)}') describes a hope, not a measure: add a "
            "number, a count or a piece of evidence anyone could check.",
        )
    return verdict(
        False,
        "Nothing says how you will know it is done: add a number, a count or a piece of "
        "evidence (for example 'present at two team meetings' or 'pass the exam').",
    )


def _achievable_verdict(goal: GoalSummary, s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="achievable", met=met, why=why)

    if _substantial(s.achievable, 2):
        return verdict(
            True, f"The achievable part says how it will happen: '{_excerpt(s.achievable)}'."
        )
    support = _SUPPORT.search(s.everything)
    if support:
        return verdict(
            True, f"It names support or resources: '{_excerpt(_around(s.everything, support))}'."
        )
    small = _OWN_SMALL_ACTION.match(s.title)
    if small:
        return verdict(
            True,
            f"'{_excerpt(s.title, 60)}' is a small step in your own hands; no extra means needed.",
        )
    if len(goal.milestones) >= 2:
        return verdict(True, f"It is broken into {len(goal.milestones)} milestones.")
    return verdict(
        False,
        "Nothing says what will make it possible: name the support, time or resources you "
        "will use (your mentor, a course, an hour a week) and the first step.",
    )


def _relevant_verdict(s: _GoalSignals) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="relevant", met=met, why=why)

    if _substantial(s.relevant, 2):
        return verdict(True, f"The relevant part says why it matters: '{_excerpt(s.relevant)}'.")
    reason = _WHY.search(s.everything)
    if reason:
        return verdict(
            True, f"It says why it matters: '{_excerpt(_around(s.everything, reason))}'."
        )
    return verdict(
        False,
        "It does not say why this matters now: link it to your role, your team or the "
        "career step you are working towards ('so that…', 'because…').",
    )


def _time_bound_verdict(goal: GoalSummary, s: _GoalSignals, today: date) -> CriterionVerdict:
    def verdict(met: bool, why: str) -> CriterionVerdict:
        return CriterionVerdict(criterion="time_bound", met=met, why=why)

    if goal.target_date is not None:
        passed = (
            f" It has passed (today is {spoken_date(today)}); agree a new one."
            if goal.target_date <= today
            else ""
        )
        return verdict(True, f"It has a target date, {spoken_date(goal.target_date)}.{passed}")
    for label, text in (
        ("time-bound part", s.time_bound),
        ("goal", s.statement),
        ("measurable part", s.measurable),
    ):
        when = _WHEN.search(text)
        if when:
            return verdict(True, f"The {label} sets a deadline: '{_excerpt(_around(text, when))}'.")
    dated = [m.due_date for m in goal.milestones if m.due_date]
    if dated and len(dated) == len(goal.milestones):
        return verdict(True, f"Every milestone has a date, the last on {spoken_date(max(dated))}.")
    vague = _VAGUE_TIME.search(s.everything)
    if vague:
        return verdict(
            False,
            f"'{vague.group(0)}' is not a deadline: set a target date, or a phrase such as "
            "'by the end of June' or 'within 10 weeks'.",
        )
    return verdict(
        False,
        "There is no target date or deadline: set one (for example 'by the end of June' or "
        "'within 10 weeks') so progress can be reviewed against it.",
    )


def _lower_first(text: str) -> str:
    first = text.split()[0] if text.split() else ""
    if first and first != "I" and not (len(first) > 1 and first[1:].isupper()):
        return text[:1].lower() + text[1:]
    return text


def _rewrite(goal: GoalSummary, met: dict[str, bool], today: date) -> str:
    """The goal said again as one statement that meets every criterion: the member's
    own words where a criterion is met, a suggestion where it is not."""
    s = _GoalSignals.read(goal)
    action = cleaned_aspiration(s.title)
    kind = family_of(action, s.specific)
    target = goal.target_date or today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
    opening = f"By {spoken_date(target)}, I will {action}"
    if goal.target_date is None and met["time_bound"] and s.time_bound:
        opening = f"I will {action}, {_lower_first(_excerpt(s.time_bound, 100))}"
    elif goal.target_date is None and met["time_bound"]:
        opening = f"I will {action}"
    how = kind.fill(kind.how_for(action), action)
    if not met["specific"] and how:
        opening = f"{opening} {how}"
    sentences = [as_sentence(shorten(opening, 300))]
    if not met["measurable"]:
        sentences.append(as_sentence(f"Done means {kind.fill(kind.evidence, action)}"))
    elif s.measurable:
        sentences.append(as_sentence(f"Done means {_lower_first(_excerpt(s.measurable, 150))}"))
    if not met["achievable"]:
        sentences.append("My mentor will support me, and I will set aside about an hour a week.")
    if not met["relevant"]:
        sentences.append(as_sentence(f"It matters because {kind.why}"))
    elif s.relevant:
        sentences.append(
            as_sentence(f"It matters because {_lower_first(_excerpt(s.relevant, 150))}")
        )
    return shorten(" ".join(sentences), 600)


def compose(data: SmartCheckInput) -> SmartCheck:
    return check_smart(data.goal, today=data.today)
