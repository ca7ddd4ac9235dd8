"""The SMART check: per criterion met, missing, or unclear (cannot tell from the text,
so it asks one question), a rewrite in the mentee's own words with a bracketed question
for each gap, and how far a checker agrees with labelled goals (`smart_eval`).

Specific, measurable and time-bound need words in the goal that meet them. Achievable
and relevant count as met unless the text gives a reason to doubt them: an implausible
scale or deadline, an outcome other people decide, nothing to do with the person's role
or program. The phrases behind those doubts are data (`data/smart_words.yaml`).
A goal not in English is not judged offline: every criterion is unclear, and the check
asks for a person to read it.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from companion import language
from companion.drafting.goal_families import (
    DEFAULT_GOAL_WEEKS,
    FILLER,
    LEAD_IN,
    family_of,
    goal_statement,
    normalised,
    sentences,
    smart_words,
)
from companion.drafting.inputs import Sources, goal_summary
from companion.drafting.kinds.spec import Audience, Reviewer
from companion.drafting.text import (
    STOP_WORDS,
    bare,
    content_words,
    hangs,
    plain,
    plural,
    shorten,
    spoken_date,
    strip_end,
    words_of,
)
from prompts.schemas import (
    CRITERIA,
    CriterionVerdict,
    DraftKind,
    GoalSummary,
    SmartCheck,
    SmartCheckInput,
    Status,
)

KIND = DraftKind.smart_check
HEADLINE = "A SMART check of your goal"
REVIEWERS = frozenset({Reviewer.subject})
RECEIVERS = Audience.subject

QUESTIONS: dict[str, str] = {
    "specific": "What exactly will you do, and on what?",
    "measurable": "How will you and your mentor know it is done?",
    "achievable": "Which part of this is in your hands, and does its size fit the time you have?",
    "relevant": "How does this connect to your work or to what you want from this program?",
    "time_bound": "By when?",
}


def gather(sources: Sources) -> SmartCheckInput:
    goal = goal_summary(sources.target.goal)
    program = sources.target.program
    _, mentee = sources.pair()
    return SmartCheckInput(
        today=sources.today,
        goal=goal,
        role=mentee.title,
        program_name=program.name if program else "",
        guidance=sources.guidance(f"SMART goal {goal.title}"),
    )


def compose(data: SmartCheckInput) -> SmartCheck:
    return check_smart(data.goal, today=data.today, role=data.role, program=data.program_name)


def check_text(
    text: str, *, today: date, role: str = "", program: str = "", program_end: date | None = None
) -> SmartCheck:
    """The check of a goal written as one piece of text (a title and nothing else)."""
    return check_smart(
        GoalSummary(title=text), today=today, role=role, program=program, program_end=program_end
    )


def check_smart(
    goal: GoalSummary,
    *,
    today: date,
    role: str = "",
    program: str = "",
    program_end: date | None = None,
) -> SmartCheck:
    """The offline SMART check: a status with a specific reason per criterion, a question
    for each that is not met, and a rewrite in the goal's own words."""
    signals = _GoalSignals.read(goal)
    foreign = language.not_english(signals.everything)
    if foreign is not None:
        why = shorten(
            f"This goal looks {foreign.name}; the built-in checker reads English only, so it "
            "cannot assess it offline. Please review it against this criterion with your "
            "mentor.",
            600,
        )
        verdicts = [
            CriterionVerdict(
                criterion=criterion, status="unclear", why=why, question=QUESTIONS[criterion]
            )
            for criterion in CRITERIA
        ]
        return SmartCheck(verdicts=verdicts, suggested_rewrite=shorten(goal.title, 600))
    end = program_end if program_end and program_end > today else None
    verdicts = [
        _specific_verdict(signals),
        _measurable_verdict(signals),
        _achievable_verdict(signals, today),
        _relevant_verdict(signals, role),
        _time_bound_verdict(goal, signals, today, end),
    ]
    return SmartCheck(verdicts=verdicts, suggested_rewrite=_rewrite(goal, verdicts))


def entry_goal(entry: dict[str, Any]) -> tuple[GoalSummary, date | None, str, str]:
    """A labelled entry's goal, date and context, from either file format: JSON lines
    (`text`, `as_of`, `role`, `program`) or the YAML of `prompts/eval/` (`goal`)."""
    if "text" in entry:
        goal = GoalSummary(title=str(entry["text"]))
    else:
        goal = GoalSummary.model_validate(entry["goal"])
    as_of = entry.get("as_of")
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    return goal, day, str(entry.get("role") or ""), str(entry.get("program") or "")


def entry_labels(entry: dict[str, Any], index: int) -> dict[str, Status]:
    """A labelled entry's status per criterion ("unclear" in the files, `missing` lists
    in the older YAML), checked: a bad label names the entry."""
    if "labels" in entry:
        labels = dict(entry["labels"])
        unknown = sorted(set(labels) - set(CRITERIA))
        bad = {c: v for c, v in labels.items() if v not in ("met", "missing", "unclear")}
        if unknown or bad or set(labels) != set(CRITERIA):
            raise ValueError(
                f"entry {entry.get('id', index)}: labels must give met, missing or unclear "
                f"for each of {', '.join(CRITERIA)}"
            )
        return labels
    missing = set(entry.get("missing") or [])
    unknown = sorted(missing - set(CRITERIA))
    if unknown:
        raise ValueError(f"entry {index} labels unknown criteria: {', '.join(unknown)}")
    return {c: "missing" if c in missing else "met" for c in CRITERIA}


def smart_eval(
    entries: Sequence[dict[str, Any]],
    *,
    today: date | str | None = None,
    checker: Callable[..., SmartCheck] | None = None,
) -> dict[str, Any]:
    """How far a SMART checker (`check_smart` unless given) agrees with human labels.

    Per criterion: agreement on the three values (met, missing, unclear) and on met
    versus not met; overall: agreement on the SMART / not-SMART verdict, and the
    exact-match rate (all five values agree). Each disagreement is listed.
    """
    if not entries:
        raise ValueError("no labelled goals to evaluate")
    if isinstance(today, str):
        today = date.fromisoformat(today)
    check = checker or check_smart
    three = dict.fromkeys(CRITERIA, 0)
    two = dict.fromkeys(CRITERIA, 0)
    verdict = exact = 0
    disagreements: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        goal, as_of, role, program = entry_goal(entry)
        labels = entry_labels(entry, index)
        day = as_of or today or date.today()
        found = check(goal, today=day, role=role, program=program).statuses
        for criterion in CRITERIA:
            three[criterion] += found[criterion] == labels[criterion]
            two[criterion] += (found[criterion] == "met") == (labels[criterion] == "met")
            if found[criterion] != labels[criterion]:
                disagreements.append(
                    {
                        "id": entry.get("id", index),
                        "title": goal.title,
                        "criterion": criterion,
                        "labelled": labels[criterion],
                        "checker": found[criterion],
                    }
                )
        smart = all(v == "met" for v in found.values())
        verdict += smart == all(v == "met" for v in labels.values())
        exact += found == labels
    n = len(entries)
    return {
        "goals": n,
        "per_criterion": {c: round(three[c] / n, 4) for c in CRITERIA},
        "per_criterion_met": {c: round(two[c] / n, 4) for c in CRITERIA},
        "smart_verdict": round(verdict / n, 4),
        "exact_match": round(exact / n, 4),
        "overall": round(sum(three.values()) / (5 * n), 4),
        "disagreements": disagreements,
    }


def _opening(text: str) -> str:
    """A goal's words as the checks read them: one line, filler and "I want to" dropped."""
    return LEAD_IN.sub("", FILLER.sub("", normalised(text)), count=1)


def _words(name: str) -> re.Pattern[str]:
    return smart_words().pattern(name)


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
    r"teach\w*|taught|speak|speaks|speaking|spoke|rewrit\w*|rewrote|earn\w*|obtain\w*|"
    r"achieve\w*|host\w*|"
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
    # A measure with its unit written on: "from 800ms to 300ms", "under 2s", "50k".
    r"(?<![\w/-])\d+(?:[.,]\d+)?(?:ms|s|k|kb|mb|gb|tb|kg|km|x)\b|"
    rf"\b{_NUMBER_WORDS}\b(?!\s+(?:more\s+)?(?:of\s+)?(?:the\s+)?{_TIME_UNIT}\b)(?!{_EFFORT})|"
    r"%|\bpercent\b|\bat (?:least|most)\b|\bdouble\b|\bhalve\b|\btwice\b",
    re.IGNORECASE,
)
# Numbers that name a thing rather than count it: "ward 4", "Year 7", "yr 9", "set 2",
# "version 2", "level two". ("Q3", "B2", "v2", "KS3" are never read as counts: a number
# written onto letters is a name.)
_LABEL_WORDS = frozenset(
    "year yr y ward room level lvl grade tier floor building version rev release phase step "
    "page chapter unit class form set group stage ks band section team site line bay block "
    "wave cohort sprint key v no q quarter gate zone route platform bed table".split()
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
    r"merged|released|finish\w*|won|selected|appointed|chosen|awarded|certificat\w*|"
    r"exams?|levels?|qualif\w*|log|logbook|average|rate|score|compare\w*|summary|report|"
    r"checklist|signed|protocol|record\w*|notes?|top)\b",
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
_WHEN = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b{_YEAR}\b|"
    rf"\b(?:q[1-4]|h[12])\b|\b(?:by|before|until|till|no later than|ahead of|in time for)\s+"
    rf"(?:the\s+)?(?:end\s+of\s+(?:the\s+)?|start\s+of\s+(?:the\s+)?|mid-?)?"
    rf"(?:{_MONTH}\b|\d|next\b|this\b|summer|winter|spring|autumn|fall|year|quarter|month|"
    rf"week|sprint|program|programme|review|cycle|deadline|launch|release|freeze|time|"
    rf"(?:mon|tues|wednes|thurs|fri|satur|sun)day)|"
    rf"\b(?:before|ahead of|in time for|no later than)\s+(?:the|my|our|next)\s+\w+|"
    rf"\b(?:within|in|over|inside)\s+(?:the\s+)?(?:next\s+)?(?:\d+|a couple of|a few|a|an|one|"
    rf"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|few|couple of)\s+"
    rf"{_TIME_UNIT}\b|"
    rf"\b(?:next|this|the coming)\s+(?:week|month|quarter|year|sprint|half|cycle)\b|"
    rf"\b(?:in|this|during)\s+(?:the\s+)?(?:coming\s+)?(?:spring|summer|autumn|fall|winter)\b|"
    rf"\b(?:end|start|middle|beginning) of (?:the\s+)?(?:year|quarter|month|program|"
    rf"programme|sprint|half|cycle|term|semester|{_MONTH})\b|"
    rf"\b(?:january|february|april|june|july|august|september|october|november|december)\b|"
    rf"\b(?:march|may)\s+\d|\b(?:in|at|the|by|before|until|early|late|mid-?)\s+(?:march|may)\b|"
    rf"\b(?:eoy|eoq|deadline|due date)\b",
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
            title=_opening(goal.title),
            specific=_opening(goal.specific),
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
    def measured(self) -> str:
        """What the goal says will be done and how it will be shown: its statement, its
        measure and its time."""
        fields = (self.title, self.specific, self.measurable, self.time_bound)
        return ". ".join(strip_end(f) for f in fields if f)

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
    # Each candidate verb in turn: a match passed over does not hide a verb in its object
    # ("the onboarding doc by rewriting the setup section").
    position = 0
    while (match := _CONCRETE_VERB.search(text, position)) is not None:
        position = match.start("rest")
        before = (text[: match.start()].split()[-1:] or [""])[0].lower()
        if before in _NOT_BEFORE_A_VERB or (
            before in ("with", "of", "on") and match.group(0).lower().startswith("own ")
        ):
            continue  # "my lead role", "with own portfolio": not what will be done
        words = match.group("rest").split()
        # The object ends at a mark standing alone ("motion design / after effects").
        words = list(itertools.takewhile(lambda w: any(c.isalnum() for c in w), words))
        rest = [w.lower().strip("'’-") for w in words]
        if any(w in _WEAK_OBJECT for w in rest[:2]) or set(rest[:1]) & _SUBJECTS:
            continue  # "the client pitch I mean": a noun and a clause, not a verb and object
        objects = [i for i, w in enumerate(rest) if w not in STOP_WORDS | _WEAK_OBJECT]
        if objects:
            end = objects[0]
            while end + 1 in objects:
                end += 1
            verb = text[match.start() : match.start("rest")].strip()
            return " ".join([verb, *words[: end + 1]])
    return None


# A subject right after a verb means it was a noun ("the pitch I mean").
_SUBJECTS = frozenset("i we you he she they".split())
# A word that makes the next one a noun or an adjective, not a verb.
_NOT_BEFORE_A_VERB = frozenset("a an the my our your his her their its own".split())


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


# A reason quotes at most this many words of the goal: enough to find the phrase, not
# the goal pasted back.
EXCERPT_WORDS = 8


# The date a goal's statement ends on ("… by 28 February 2027"): Time-bound quotes it.
_ENDING_DATE = re.compile(r",?\s+by\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\.?$")


def _excerpt(text: str, limit: int = 80) -> str:
    text = _ENDING_DATE.sub("", text.strip()) or text
    tokens = strip_end(text).split()
    while len(tokens) > 1 and len(words_of(" ".join(tokens))) > EXCERPT_WORDS:
        tokens.pop()
    while len(tokens) > 2 and len(tokens) < len(strip_end(text).split()) and hangs(tokens[-1]):
        tokens.pop()
    cut = " ".join(tokens)
    return shorten(cut if cut == strip_end(text) else cut + "…", limit)


def _around(text: str, match: re.Match[str], words: int = 4) -> str:
    """A few whole words either side of a match, within its sentence, to quote in a
    reason; when the sentence goes on, to the end of a phrase, never inside one ("…
    sessions on incident reviews", not "… sessions on incident"; "… parts of a manager's
    job", not "… parts of")."""
    stop = text.rfind(". ", 0, match.start())
    start = stop + 2 if stop >= 0 else 0
    end = text.find(". ", match.end())
    before = text[start : match.start()]
    after = text[match.end() : end if end >= 0 else None]
    # A side only a few words longer is quoted whole: never "Promotion to Grade 7 team"
    # for "… team leader".
    slack = words + 2
    left = re.search(
        rf"(?:\S+\s+){{0,{slack if len(before.split()) <= slack else words}}}\S*$", before
    )
    head = left.group(0) if left else ""
    opened = head.split()
    # Never from inside the clause before ("nurse role and lead at least 3 …"), and a
    # measure from its "from" ("from about 4% to under 2%", not "my team from about …").
    starts = [i + 1 for i, w in enumerate(opened) if bare(w) in _QUOTE_BREAK or w.endswith(",")]
    starts += [i for i, w in enumerate(opened) if bare(w) == "from"]
    if starts:
        head = " ".join(opened[max(starts) :]) + (" " if max(starts) < len(opened) else "")
    tail = after
    taken = after.split()
    if len(taken) > slack:
        # Cut short: at the last clause break within reach ("… job | and decide"), else
        # before the last word a phrase opens with; then never on a hanging word.
        taken = taken[:slack]
        breaks = [i for i, w in enumerate(taken) if i and bare(w) in _QUOTE_BREAK]
        hanging = [i for i, w in enumerate(taken) if i and hangs(w)]
        taken = taken[: (breaks or hanging or [len(taken)])[-1]]
        while len(taken) > 1 and hangs(taken[-1]):
            taken.pop()
        glued = after[: len(after) - len(after.lstrip())]
        tail = glued + " ".join(taken)
    quoted = (head + match.group(0) + tail).strip()
    measure = FROM_TO.match(quoted)
    # A measure ends with its figure: "from 120 to 200", not "… to 200 by December through".
    return measure.group(0) if measure else quoted


# A measure from one figure to another: "from about 4% to under 2%", "from 800ms to 300ms".
_FIGURE = (
    r"(?:(?:about|around|roughly|approximately|approx\.?|~|under|below|over|above|"
    r"at least|at most|less than|more than|fewer than)\s*)?"
    # "40 minutes", "9 leavers a quarter", "800ms", "4%": a figure, its unit and its rate;
    # never a word that goes on with the sentence ("under 10 by the end of Q3").
    r"\d[\d.,]*(?:\s*(?:%|percent\b|(?!(?:by|before|after|until|till|in|on|at|for|"
    r"through|within|over|under|and|or|to|from|with|when|so|but|a|an|the|this|next|"
    r"each|every|per)\b)[a-z]{1,12}\b))?"
    r"(?:\s+(?:a|an|per|each)\s+[a-z]+\b)?"
)
FROM_TO = re.compile(rf"\bfrom\s+(?P<start>{_FIGURE})\s+to\s+(?P<end>{_FIGURE})", re.IGNORECASE)

# Words that open a clause of their own: a quote cut short ends before them.
_QUOTE_BREAK = frozenset("and but or so which who that because while then".split())


def _quantity(text: str) -> re.Match[str] | None:
    """The first number or count word in `text` that counts something."""
    for match in _QUANTITY.finditer(text):
        before = text[: match.start()].split()[-1:]
        if before and before[0].lower().rstrip(".") in _LABEL_WORDS:
            continue
        # The day of a date counts nothing: "by 5 December 2027".
        if match.group(0)[0].isdigit() and _DAY_OF_DATE.match(text, match.end()):
            continue
        return match
    return None


_DAY_OF_DATE = re.compile(rf"(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b", re.IGNORECASE)


def _verdict(criterion: str, status: Status, why: str, *suggestions: str) -> CriterionVerdict:
    return CriterionVerdict(
        criterion=criterion,  # type: ignore[arg-type]
        status=status,
        why=shorten(why, 600),
        question="" if status == "met" else QUESTIONS[criterion],
        suggestions=[shorten(s, 160) for s in suggestions if s][:2] if status != "met" else [],
    )


def _specific_verdict(s: _GoalSignals) -> CriterionVerdict:
    statement = s.statement
    unclear = _words("unclear_actions").search(statement)
    empty = _words("empty_objects").search(statement) or _words("directions").search(statement)
    vague = _vague_opening(s.title) if not s.specific else _vague_opening(s.specific)
    family = family_of(s.title, s.specific)
    hint = family.fill("{object}", s.title) if family.object_of(s.title) else ""
    # A later sentence may say what the first one only wishes ("… I will present …").
    for sentence in sentences(statement)[1:]:
        own = _opening(sentence)
        action = _concrete_action(own)
        if action and own.lower().startswith(action.lower()) and not _vague_opening(own):
            return _verdict("specific", "met", f"It says what will be done: '{action}'.")
    opening = strip_end(sentences(_opening(statement))[0]) if statement.strip() else ""
    if family.title_of(opening):
        # "Senior data engineer": a role named is specific, though it names no action;
        # "be ready to step up as shift supervisor when …" too, however it opens.
        return _verdict("specific", "met", f"It names the role you want: '{_excerpt(opening)}'.")
    if vague is not None or empty is not None:
        found = (vague or empty).group(0).strip()  # type: ignore[union-attr]
        return _verdict(
            "specific",
            "missing",
            f"'{found}' says where you want to get, not what you will do: name the action "
            "and what it applies to.",
            f"One situation where you will work on {hint}" if hint else "",
            "One piece of work you can name",
        )
    if unclear is not None:
        return _verdict(
            "specific",
            "unclear",
            f"'{_excerpt(_around(statement, unclear, 3))}' could mean several things "
            "(clean up? rewrite? remove?): a reviewer would ask what exactly.",
        )
    if not _substantial(statement, 2):
        return _verdict(
            "specific", "missing", "It is too short to say what will be done or changed."
        )
    action = _concrete_action(statement)
    if action is None:
        # "Chartered engineer": a named aim, but no action this check recognises.
        return _verdict(
            "specific", "met", f"It names what you aim at: '{_excerpt(statement, 60)}'."
        )
    return _verdict("specific", "met", f"It says what will be done: '{action}'.")


def _measurable_verdict(s: _GoalSignals) -> CriterionVerdict:
    # What the goal says it will do and show; a number in its Achievable or Relevant
    # field ("one sprint in three for reliability work") measures nothing.
    text = s.measured
    family = family_of(s.title, s.specific)
    named = family.starts(s.title) or family.named(s.title)
    offer = family.fill(family.evidence, s.title) if named else ""
    if _words("unclear_actions").search(s.statement) and not _quantity(text):
        return _verdict(
            "measurable",
            "unclear",
            "It hints at an end ('sorted', 'tidied') without saying what counts as done.",
        )
    found = _quantity(text) or _FIELD_COUNT.search(s.measurable)
    if found:
        return _verdict(
            "measurable", "met", f"It gives something to count: '{_excerpt(_around(text, found))}'."
        )
    endless = _words("activities_without_end").search(s.statement)
    evidence = next(
        (
            m
            for pattern in (_EVIDENCE, _FIELD_EVIDENCE, _ONE_EVENT, _NEW_ROLE, _ONE_BOOK)
            if (m := pattern.search(text))
        ),
        None,
    )
    deliverable = _concrete_action(s.statement)
    if evidence is not None and _vague_opening(s.statement) is None:
        return _verdict(
            "measurable",
            "met",
            f"It names evidence of done: '{_excerpt(_around(text, evidence))}'.",
        )
    wish = _words("directions").search(s.statement)
    if deliverable and endless is None and wish is None and _vague_opening(s.statement) is None:
        return _verdict("measurable", "met", f"One checkable deliverable: '{deliverable}'.")
    comparison = _COMPARISON.search(text)
    why = (
        f"'{comparison.group(0)}' without a number or a check anyone could make is not a measure."
        if comparison
        else f"'{endless.group(0)}' has no end anyone could see."
        if endless
        else "Nothing says what would show that it is done."
    )
    return _verdict(
        "measurable",
        "missing",
        why,
        offer,
        "Something your mentor could see, such as a log, a piece of work or feedback",
    )


def _achievable_verdict(s: _GoalSignals, today: date) -> CriterionVerdict:
    text = s.everything
    others = _words("decided_by_others").search(text)
    if others is not None and re.search(r"\bto\b", others.group(0)):
        # "want them to actually respect me", "be trusted to draft …": how others see
        # you is theirs to decide.
        return _verdict(
            "achievable",
            "missing",
            f"'{_excerpt(_around(text, others, 2))}' depends on what other people think and "
            "do, not on you alone.",
            "Something you will do that could change how they see you",
            "Ask one or two of them what would make the difference",
        )
    if others is not None and not _words("in_own_hands").search(text[: others.start()]):
        return _verdict(
            "achievable",
            "missing",
            f"'{others.group(0)}' is decided by other people, not by you.",
            "Prepare and submit your case or application",
            "Ask for feedback on what the decision depends on",
        )
    implausible = _words("implausible").search(text)
    if implausible is not None:
        return _verdict(
            "achievable",
            "missing",
            f"'{_excerpt(_around(text, implausible, 3))}' is a very large step for one person "
            "in the time given.",
            "A first stage you are sure you can finish",
            "A later deadline",
        )
    alone = _words("alone").search(text)
    count = _quantity(text)
    if alone is not None and count is not None and _number(count.group(0)) >= 20:
        return _verdict(
            "achievable",
            "unclear",
            f"'{_excerpt(_around(text, count, 3))}' {alone.group(0)} may or may not fit next to "
            "your work; a reviewer would ask how big each piece is.",
        )
    return _verdict(
        "achievable", "met", "Nothing in it gives a reason to doubt that you can do it."
    )


def _relevant_verdict(s: _GoalSignals, role: str) -> CriterionVerdict:
    text = s.everything
    private = _words("private_life").search(text)
    if private is not None and not _words("private_life").search(role):
        return _verdict(
            "relevant",
            "missing",
            f"'{private.group(0)}' belongs to life outside work; this program is about your work.",
        )
    worth = _words("worth_doubts").search(text)
    if worth is not None:
        return _verdict(
            "relevant",
            "unclear",
            f"You wrote '{worth.group(0)}': what would it change in your work?",
        )
    other = _words("other_fields").search(text)
    if other is not None and other.group(0).lower() not in role.lower():
        return _verdict(
            "relevant",
            "unclear",
            f"'{other.group(0)}' could serve your work, but the goal does not say how.",
        )
    return _verdict(
        "relevant", "met", "It is about your own work or development; nothing suggests otherwise."
    )


def _time_bound_verdict(
    goal: GoalSummary, s: _GoalSignals, today: date, program_end: date | None
) -> CriterionVerdict:
    suggestions = [
        f"By {spoken_date(program_end)}, the end of your mentoring" if program_end else "",
        f"Within {DEFAULT_GOAL_WEEKS} weeks, by "
        f"{spoken_date(today + timedelta(weeks=DEFAULT_GOAL_WEEKS))}",
    ]
    past = "That date has passed: what is the new one?"
    if goal.target_date is not None:
        if goal.target_date <= today:
            return CriterionVerdict(
                criterion="time_bound",
                status="unclear",
                why=f"Its target date, {spoken_date(goal.target_date)}, has already passed.",
                question=past,
            )
        return _verdict("time_bound", "met", f"Target date {spoken_date(goal.target_date)}.")
    # Fields as sentences: a quote never runs from one into the next ("By summer Fewer
    # night pages").
    text = ". ".join(strip_end(t) for t in (s.time_bound, s.statement, s.measurable) if t)
    dates = stated_dates(text, today)
    if dates and max(dates) < today:
        return CriterionVerdict(
            criterion="time_bound",
            status="unclear",
            why=f"Its deadline, {spoken_date(max(dates))}, has already passed.",
            question=past,
        )
    when = _WHEN.search(text)
    anchor = _words("event_anchors").search(text)
    if anchor is not None and not dates:
        return CriterionVerdict(
            criterion="time_bound",
            status="unclear",
            why=f"'{anchor.group(0)}' is a deadline only once its date is known.",
            question=f"When is it? Give the date of '{anchor.group(0)}'.",
        )
    open_time = _words("open_time").search(text)
    if when is not None and not (open_time and open_time.start() <= when.start() < open_time.end()):
        return _verdict(
            "time_bound", "met", f"It sets a deadline: '{_excerpt(_around(text, when, 3))}'."
        )
    dated = [m.due_date for m in goal.milestones if m.due_date]
    if dated and len(dated) == len(goal.milestones):
        return _verdict(
            "time_bound", "met", f"Every milestone has a date, the last {spoken_date(max(dated))}."
        )
    why = (
        f"'{open_time.group(0)}' is not a deadline."
        if open_time
        else "There is no date or deadline."
    )
    return _verdict("time_bound", "missing", why, *suggestions)


def _number(text: str) -> int:
    digits = re.sub(r"[^\d]", "", text)
    return int(digits) if digits else 0


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH_NAME = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = (
    re.compile(r"\b(?P<year>20\d{2})-(?P<mon>\d{2})-(?P<day>\d{2})\b"),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH_NAME}(?:,?\s+(?P<year>20\d{{2}}))?\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b{_MONTH_NAME}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>20\d{{2}}))?\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?:(?:(?P<by>by|before|until|till)|in|during|for)\s+(?:the\s+)?"
        rf"(?:(?P<end>end)\s+of\s+)?|"
        rf"end\s+of\s+|this\s+(?!may\b))(?:next\s+)?{_MONTH_NAME}(?:\s+(?P<year>20\d{{2}}))?\b",
        re.IGNORECASE,
    ),
    re.compile(rf"\b{_MONTH_NAME}\s+(?P<year>20\d{{2}})\b", re.IGNORECASE),
    re.compile(r"\bq(?P<quarter>[1-4])\s+(?P<year>20\d{2})\b", re.IGNORECASE),
)


def stated_dates(text: str, today: date) -> list[date]:
    """The dates a goal states ("31 March 2027", "by end of May", "Q2 2027"); a month
    without a year is its next occurrence from `today`, a month alone its last day."""
    found: list[date] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            try:
                found.append(_date_of(parts, today))
            except (ValueError, KeyError):
                continue
    return sorted(set(found))


_COUNTS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "eighteen": 18, "couple of": 2, "few": 3, "a couple of": 2, "a few": 3,
}  # fmt: skip
_RELATIVE = re.compile(
    r"\b(?:(?:with)?in|over|inside)\s+(?:the\s+)?(?:next\s+)?"
    r"(?:(?:about|around|roughly|approximately|approx\.?|some)\s+)?"
    r"(?P<count>\d+|a couple of|a few|a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|eighteen|couple of|few)\s+"
    r"(?P<unit>days?|weeks?|months?|years?|yrs?|wks?|mths?|mos?)"
    r"(?P<more>\s+or\s+(?:so|two))?\b|"
    r"\b(?:(?:with)?in|over)\s+the\s+(?:next|coming)\s+(?P<one>week|month|year)(?:\s+or\s+so)?\b|"
    r"\bin\s+my\s+first\s+(?:full\s+)?(?P<first>year|month)\b",
    re.IGNORECASE,
)
_YEAR_END = re.compile(
    r"\b(?:(?:by|before|until|till|at)\s+)?(?:the\s+)?end\s+of\s+(?P<which>this|the|next)\s+"
    r"year\b|\b(?:by|during|within|in)\s+(?P<plain>this|next)\s+year\b",
    re.IGNORECASE,
)
# "by the end of 2027", "in 2027", "by 2028": a year named on its own. "By" or
# "before" a year means done before it starts; "in" or "the end of" it, by its last day.
_YEAR_NAMED = re.compile(
    r"\b(?:(?P<end>(?:by|before|until|till|at)\s+(?:the\s+)?end\s+of|(?:during|in)|"
    r"(?:the\s+)?end\s+of)|(?P<start>by|before))\s+(?P<year>20\d{2})\b"
    r"(?![-/.]\d)(?!\s*(?:-|to)\s*20\d{2})",
    re.IGNORECASE,
)
# "By summer": the end of the season's first month, its next occurrence from today.
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_SEASON = re.compile(
    r"\b(?:by|before|until|till)\s+(?:the\s+)?(?P<next>next\s+)?"
    r"(?P<season>spring|summer|autumn|fall|winter)\b(?!\s+20\d{2})",
    re.IGNORECASE,
)


# "in spring", "this autumn", "during the summer", "in the spring of 2027": by the
# season's last day, its next end from today ("this autumn" only while it lasts: said
# in December it is the autumn just gone). Seasons as the guides count them, northern
# hemisphere: spring is March to May, winter December to February.
_SEASON_ENDS = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11, "winter": 2}
_SEASON_IN = re.compile(
    r"\b(?P<how>in|this|during|over)\s+(?:the\s+)?(?:coming\s+)?"
    r"(?P<season>spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?(?P<year>20\d{2}))?\b",
    re.IGNORECASE,
)
# A clause told in the past ("we lost two people in the summer", "I burned out in
# the summer"): its season is no deadline. An "-ed" word counts only straight after
# its subject, so "take over the controlled drugs audit in spring" stays a wish.
# A clause that pictures a future ("where I see myself", "what I want my career to look
# like", "who I want to be"): a period after it says when the picture is set, not when
# the goal is due.
_PICTURED = re.compile(
    r"\b(?:what|where|how|who)\b[^,;:]*\b(?:look(?:s|ing)? like|see (?:myself|me|us)|"
    r"want to be|wants to be|will be|'ll be|should be|could be)\b",
    re.IGNORECASE,
)


def _pictures(before: str) -> bool:
    """Whether the words just before a period picture a future (see `_PICTURED`): the
    picture's verb at most four words before it, with no comma or clause between."""
    pictures = list(_PICTURED.finditer(before))
    if not pictures:
        return False
    gap = before[pictures[-1].end() :]
    return len(gap.split()) <= 4 and not re.search(r"[,;:.!?]|\b(?:then|and|but)\b", gap)


_CLAUSE_BREAK = re.compile(r"[.;!?]|\b(?:and|but|so|because)\b", re.IGNORECASE)
_PAST_CLAUSE = re.compile(
    r"\b(?:was|were|had|did|went|lost|left|came|began|burnt)\b|"
    r"\b(?:i|we|he|she|they|you|it)\s+(?:\w+ly\s+)?\w{3,}ed\b",
    re.IGNORECASE,
)
# Abbreviated units people type: "within 3 yrs", "in 6 mths".
_UNIT_NAMES = {"yr": "year", "wk": "week", "mth": "month", "mo": "month"}


# "next year", "next yr": the end of next year. ("this year" alone may be the past:
# "we lost nine people this year".)
_NEXT_YEAR = re.compile(r"\bnext\s+(?:year|yr)\b", re.IGNORECASE)
# "before my review in March", "before March": the end of the month before.
_BEFORE_MONTH = re.compile(
    rf"\bbefore\s+(?:(?:(?:my|our|the|her|his|their)\s+)?(?:[\w-]+\s+){{0,3}}?[\w-]+\s+"
    rf"(?:in|on|at)\s+)?"
    rf"(?:the\s+start\s+of\s+)?{_MONTH_NAME}(?!\s+\d{{1,2}}(?:st|nd|rd|th)?\b)"
    rf"(?:\s+(?P<year>20\d{{2}}))?\b",
    re.IGNORECASE,
)
# "end of Q3", "by Q1 27", "a Q3 deadline": the end of that calendar quarter, its next
# occurrence; never "back in Q1" or "last Q2", which are the past.
_QUARTER = re.compile(
    r"(?<!\bback )(?<!\bback in )(?<!\blast )\b(?:(?:by|before|until|till|in|during|for)\s+)?"
    r"(?:the\s+)?(?:end\s+of\s+)?q(?P<quarter>[1-4])(?:\s+(?:20)?(?P<year>\d{2})\b)?"
    r"(?!\s+(?:was|were|is|had)\b)\b",
    re.IGNORECASE,
)
# "this quarter", "by the end of next quarter": the last day of that calendar quarter
# counted from today ("before next quarter": the last day of this one).
_QUARTER_FROM_NOW = re.compile(
    r"\b(?:(?P<how>by|before|until|till|in|during|within|over|for)\s+)?(?:the\s+)?"
    r"(?:end\s+of\s+)?(?:the\s+)?(?P<which>this|next|coming)\s+quarter\b",
    re.IGNORECASE,
)
# What happened, just before "this quarter": "sales dropped this quarter", "we missed
# target this quarter".
_WENT = re.compile(
    r"\b(?:dropped|missed|fell|lost|was|were|had|did|went|came|grew|rose|slipped|declined|"
    r"doubled|halved|struggled)\b(?:\s+\w+){0,2}\s*$",
    re.IGNORECASE,
)
# A past-tense verb just before a quarter makes it the past ("missed Q4", "hit Q2").
_PAST_VERB = re.compile(
    r"\b(?:\w+ed|hit|won|lost|made|beat|smashed|blew)\s+(?:my\s+|our\s+|the\s+)?$",
    re.IGNORECASE,
)
# Holidays whose date moves or that people name for a deadline.
_HOLIDAY = re.compile(
    r"\b(?P<how>by|before|after|until|till)\s+(?P<name>easter|christmas)\b",
    re.IGNORECASE,
)
# "October next year": that month of next year, not the end of next year.
_MONTH_NEXT_YEAR = re.compile(rf"\b{_MONTH_NAME}\s+next\s+(?:year|yr)\b", re.IGNORECASE)
_SEASON_BARE = re.compile(
    r"\bnext\s+(?P<season>spring|summer|autumn|fall|winter)\b(?!\s+20\d{2})", re.IGNORECASE
)


def easter(year: int) -> date:
    """Easter Sunday (Western churches) of `year`, by the anonymous Gregorian algorithm."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@dataclass(frozen=True)
class Deadline:
    """A deadline a goal states, the words that state it ("in six months"), and why
    that date, when it is not plain from the words ("the end of next year")."""

    day: date
    words: str
    why: str = field(default="", compare=False)


# What follows a period counted from an event, not from today: "within 18 months of
# returning", "two years after qualifying" (but "a year from now").
_FROM_AN_EVENT = re.compile(r"\s*(?:of|after|from)\s+(?!now\b|today\b|this\b)", re.IGNORECASE)


def deadlines(text: str, today: date) -> list[Deadline]:
    """The deadlines a goal states, in the writer's terms: dates ("31 March 2027", "by
    March"), periods from `today` ("in six months", "within two years", "in the next
    year or so"), "the end of this year", "by next summer"; earliest first."""
    found: list[tuple[re.Match[str], date]] = [
        (m, _date_of(m.groupdict(), today))
        for pattern in _DATE_PATTERNS
        for m in pattern.finditer(text)
        if _valid(m.groupdict(), today)
    ]
    why: dict[int, str] = {}
    for match in _RELATIVE.finditer(text):
        if _FROM_AN_EVENT.match(text, match.end()):
            continue  # "within 18 months of returning": from a day the text does not give
        if _pictures(text[: match.start()]):
            continue  # "what I want my career to look like in five years": no deadline
        count_text = (match.group("count") or "one").lower()
        count = int(count_text) if count_text.isdigit() else _COUNTS[count_text]
        if match.group("more") and "two" in match.group("more").lower():
            count += 1
        unit = (match.group("unit") or match.group("one") or match.group("first")).lower()
        unit = _UNIT_NAMES.get(unit.rstrip("s"), unit)
        found.append((match, _after(today, count, unit.rstrip("s"))))
        span = plural(count, unit.rstrip("s")) if count > 1 else f"a {unit.rstrip('s')}"
        why[match.start()] = f"{span} from {spoken_date(today)}"
    for match in _YEAR_END.finditer(text):
        which = (match.group("which") or match.group("plain")).lower()
        found.append((match, date(today.year + (which == "next"), 12, 31)))
    for match in _YEAR_NAMED.finditer(text):
        year = int(match.group("year")) - (match.group("start") is not None)
        if year >= today.year:
            found.append((match, date(year, 12, 31)))
            if match.group("start"):
                why[match.start()] = f"the last day before {year + 1}"
    for match in itertools.chain(_SEASON.finditer(text), _SEASON_BARE.finditer(text)):
        season = match.group("season").lower()
        month = _SEASONS[season]
        if match.group(0).lower().startswith("before"):
            # "before the summer": done before it starts, not early in it.
            end = date(today.year, month, 1) - timedelta(days=1)
            if end <= today:
                end = date(today.year + 1, month, 1) - timedelta(days=1)
            found.append((match, end))
            why[match.start()] = (
                f"the last day before {season} starts in {calendar.month_name[month]}"
            )
            continue
        end = date(today.year, month, calendar.monthrange(today.year, month)[1])
        if end <= today:
            end = date(today.year + 1, month, calendar.monthrange(today.year + 1, month)[1])
        found.append((match, end))
        why[match.start()] = f"the end of {end:%B}, early in {season}"
    for match in _SEASON_IN.finditer(text):
        if _PAST_CLAUSE.search(_CLAUSE_BREAK.split(text[: match.start()])[-1]):
            continue  # "I burned out in the summer": a season gone, not a deadline
        end = _season_end(match, today)
        if end is not None:
            found.append((match, end))
            why[match.start()] = f"the end of {end:%B}, when {match.group('season').lower()} ends"
    for match in _MONTH_NEXT_YEAR.finditer(text):
        month = _MONTHS[match.group("month").lower().rstrip(".")]
        year = today.year + 1
        found.insert(0, (match, date(year, month, calendar.monthrange(year, month)[1])))
    for match in _NEXT_YEAR.finditer(text):
        found.append((match, date(today.year + 1, 12, 31)))
        why[match.start()] = "the end of next year"
    for match in _BEFORE_MONTH.finditer(text):
        month = _MONTHS[match.group("month").lower().rstrip(".")]
        first = _date_of({"month": match.group("month"), "year": match.group("year")}, today)
        first = first.replace(day=1)
        # Ahead of "before March" read as a month ("by March"): the same words, an
        # earlier day.
        found.insert(0, (match, first - timedelta(days=1)))
        why[match.start()] = f"the last day before {calendar.month_name[month]}"
    for match in _QUARTER.finditer(text):
        if _PAST_VERB.search(text[: match.start()]):
            continue  # "missed Q4 badly", "smashed Q2": a quarter that is over
        quarter = int(match.group("quarter"))
        year = 2000 + int(match.group("year")) if match.group("year") else today.year
        end_month = quarter * 3
        end = date(year, end_month, calendar.monthrange(year, end_month)[1])
        if end <= today and not match.group("year"):
            end = date(year + 1, end_month, calendar.monthrange(year + 1, end_month)[1])
        first = calendar.month_name[end_month - 2]
        if match.group(0).lower().startswith("before") and "end" not in match.group(0).lower():
            # "before Q3": done before the quarter starts ("before end of Q2": by its end).
            end = date(end.year, end_month - 2, 1) - timedelta(days=1)
            if end <= today:
                continue
            found.append((match, end))
            why[match.start()] = f"the last day before calendar Q{quarter} starts in {first}"
            continue
        found.append((match, end))
        why[match.start()] = (
            f"the end of calendar Q{quarter}, {first} to {calendar.month_name[end_month]}"
        )
    for match in _QUARTER_FROM_NOW.finditer(text):
        if _WENT.search(text[: match.start()]):
            continue  # "our sales dropped this quarter": how it went, not a deadline
        current = (today.month - 1) // 3
        ahead = match.group("which").lower() != "this"
        if ahead and (match.group("how") or "").lower() == "before":
            ahead = False  # "before next quarter": by the end of this one
        year, quarter = today.year + (current + ahead) // 4, (current + ahead) % 4 + 1
        end_month = quarter * 3
        found.append((match, date(year, end_month, calendar.monthrange(year, end_month)[1])))
        first = calendar.month_name[end_month - 2]
        why[match.start()] = (
            f"the end of calendar Q{quarter}, {first} to {calendar.month_name[end_month]}"
        )
    for match in _HOLIDAY.finditer(text):
        name, how = match.group("name").lower(), match.group("how").lower()
        day = easter(today.year) if name == "easter" else date(today.year, 12, 25)
        if day <= today:
            day = easter(today.year + 1) if name == "easter" else date(today.year + 1, 12, 25)
        holiday = f"{'Easter Sunday' if name == 'easter' else 'Christmas Day'}"
        if how == "before":
            found.append((match, day - timedelta(days=1)))
            why[match.start()] = f"the day before {holiday}"
        else:
            found.append((match, day))
            why[match.start()] = holiday + (
                ": ready before what comes after it" if how == "after" else ""
            )
    # A match inside a longer one is part of it: "5 December 2027" is not also
    # "December 2027", the end of that month.
    kept: list[tuple[re.Match[str], date]] = []
    starts: list[re.Match[str]] = []
    for match, day in sorted(found, key=lambda f: f[0].start() - f[0].end()):
        if _EVENT_OPENING.match(_sentence_up_to(text, match.start())):
            continue  # "Returning from leave in March.": the event's day, not a deadline
        if _STARTS_THEN.search(text, 0, match.start()):
            # "the course starts in feb": when something begins, not a deadline; nor is
            # any part of it ("March 2027" of "opens on 3 March 2027").
            starts.append(match)
            continue
        if not any(
            k.start() <= match.start() and match.end() <= k.end()
            for k in (*(k for k, _ in kept), *starts)
        ):
            kept.append((match, day))
    unique = {
        day: Deadline(day, match.group(0).strip(), why.get(match.start(), ""))
        for match, day in sorted(kept, key=lambda k: k[0].start())
    }
    return sorted(unique.values(), key=lambda d: d.day)


# A sentence that opens by telling of an event ("Returning from leave in March",
# "Starting a new role in May"): a time said in it is the event's.
_EVENT_OPENING = re.compile(
    r"\s*(?:i'?m\s+|i\s+am\s+)?(?:returning|coming back|back from|due back|starting|"
    r"joining|going on|off on)\b",
    re.IGNORECASE,
)


# The words just before a time that say something begins then ("the course starts in
# feb", "my new role begins on 3 March"): the time is the start's. Not "opens": a role
# that "opens after Easter" is one to be ready for by then.
_STARTS_THEN = re.compile(
    r"\b(?:starts|begins|kicks off|is due to (?:start|begin))\s+"
    r"(?:(?:on|in|at|from)\s+)?$",
    re.IGNORECASE,
)


def _sentence_up_to(text: str, at: int) -> str:
    """The words of the sentence holding position `at`, up to it."""
    start = max(text.rfind(end, 0, at) for end in (". ", "! ", "? "))
    return text[start + 2 if start >= 0 else 0 : at]


def _valid(parts: dict[str, str | None], today: date) -> bool:
    try:
        _date_of(parts, today)
    except (ValueError, KeyError):
        return False
    return True


def _season_end(match: re.Match[str], today: date) -> date | None:
    """The last day of the season `_SEASON_IN` matched: the one its year names, else the
    next to end; None for one that is over, or for "this autumn" said in December."""
    month = _SEASON_ENDS[match.group("season").lower()]
    if match.group("year"):
        year = int(match.group("year")) + (month == 2)  # the winter of 2027 ends in 2028
        end = date(year, month, calendar.monthrange(year, month)[1])
        return end if end > today else None
    end = date(today.year, month, calendar.monthrange(today.year, month)[1])
    if end <= today:
        end = date(today.year + 1, month, calendar.monthrange(today.year + 1, month)[1])
    first_month = date(end.year - (month == 2), (month - 3) % 12 + 1, 1)
    if match.group("how").lower() == "this" and first_month > today + timedelta(days=92):
        return None  # the season just gone, not one a deadline names
    return end


def _after(today: date, count: int, unit: str) -> date:
    if unit == "day":
        return today + timedelta(days=count)
    if unit == "week":
        return today + timedelta(weeks=count)
    months = count * (12 if unit == "year" else 1)
    year, month = divmod(today.month - 1 + months, 12)
    year, month = today.year + year, month + 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def concreteness(text: str) -> int:
    """How concrete a clause of someone's writing is, to choose the one a goal is made
    of: a count or figure, a concrete action on a real object and a named thing ("Year
    9", "Part 3", a capitalised name) count for it; a direction ("feel less", "get better
    at") and a negation ("not just pick up tickets") against it."""
    words = text.split()
    if not words or words[0].lower() in ("not", "without", "never", "no"):
        return -5
    score = 0
    if _quantity(text) is not None:
        score += 3
    if _concrete_action(text) is not None:
        score += 2
    named = [w for w in words[1:] if w[:1].isupper() and w.strip("'’") not in ("I", "I'm")]
    labelled = re.search(rf"\b(?:{'|'.join(_LABEL_WORDS)})\s+\d+\b", text, re.IGNORECASE)
    if named or labelled:
        score += 1
    if _vague_opening(text) is not None or _VAGUE_START.match(text):
        score -= 3
    if _words("directions").search(text) or _words("unclear_actions").search(text):
        score -= 1
    # To write or lead "like the partners do" is a direction, whatever the verb.
    if re.search(r"\blike\s+(?:the|a|an|my|our|other|senior)\b", text, re.IGNORECASE):
        score -= 3
    return score


def _date_of(parts: dict[str, str | None], today: date) -> date:
    if parts.get("quarter"):
        year, month = int(parts["year"] or 0), int(parts["quarter"] or 0) * 3
        return date(year, month, calendar.monthrange(year, month)[1])
    month = int(parts["mon"]) if parts.get("mon") else _MONTHS[(parts["month"] or "").lower()]
    year_text = parts.get("year")
    day_text = parts.get("day")
    if year_text:
        year = int(year_text)
    else:
        year = today.year
        if (month, int(day_text or 31)) < (today.month, today.day):
            year += 1
        elif month == today.month and parts.get("by") and not (parts.get("end") or day_text):
            # "by December", written in December: not three weeks away but next year's
            # ("by the end of December" may well be this month's end).
            year += 1
    day = int(day_text) if day_text else calendar.monthrange(year, month)[1]
    return date(year, month, day)


def _rewrite(goal: GoalSummary, verdicts: list[CriterionVerdict]) -> str:
    """The goal in its own words, with a bracketed question for each criterion not met;
    nothing is invented and nothing of the mentee's is put into a template."""
    words = FILLER.sub("", normalised(goal.title)).strip(" ,")
    statement = strip_end(goal_statement(words) if len(sentences(words)) == 1 else words)
    # A goal written in parts reads as one goal: the aim, what will be done, by when,
    # and the evidence, each in the mentee's words ("By 15 January 2027, I will lead a
    # design review …: prepare and run … Evidence: the review happens, …").
    specific = strip_end(goal.specific.strip())
    if specific and not _lower(specific).startswith(_lower(words)):
        statement = (
            f"{statement}: {_lower(specific)}"
            if len(sentences(words)) == 1
            else (f"{statement}. {specific}")
        )
    if goal.target_date and len(sentences(statement)) == 1:
        statement = f"By {spoken_date(goal.target_date)}, {_lower(statement)}"
    parts = [statement + "."]
    if goal.time_bound.strip() and not goal.target_date:
        parts.append(strip_end(goal.time_bound.strip()) + ".")
    if goal.measurable.strip():
        parts.append(f"Evidence: {_lower(strip_end(goal.measurable.strip()))}.")
    parts += [f"[{v.question}]" for v in verdicts if v.status != "met"]
    return shorten(" ".join(parts), 600)


def _lower(text: str) -> str:
    """`text` with its first word in lower case, unless it is "I", an acronym ("CIPD")
    or written in mixed case ("iOS", "McKinsey")."""
    first = text.split()[0] if text.split() else ""
    if first == "I" or first.isupper() or first[1:] != first[1:].lower():
        return text
    return text[:1].lower() + text[1:]
