"""Goal families: the kinds of aspiration the SMART goal drafter and the SMART check
recognise, each with the wording of its measure, milestones and relevance.

The families are still written here as code; they are meant to become data files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from companion.drafting.text import content_words, plain, split_sentences, strip_end

DEFAULT_GOAL_WEEKS = 12


@dataclass(frozen=True)
class GoalFamily:
    """A family of goals recognised by keywords, with what done usually looks like.

    `verbs` are the family's own actions ("lead", "run"): an aspiration that starts with
    one is pursued `how_direct`, else `how`. The words after one of `object_verbs` name
    the goal's object ("a design review"); templates use it as {object}, and
    `default_object` when there is none.
    """

    name: str
    keywords: re.Pattern[str]
    verbs: re.Pattern[str]
    object_verbs: re.Pattern[str]
    default_object: str
    how: str  # how the goal is pursued, appended to the action
    how_direct: str
    evidence: str  # a short "shown by" phrase
    measurable: str
    milestones: tuple[str, str, str]
    why: str

    def fill(self, template: str, aspiration: str) -> str:
        return template.replace("{object}", self.object_of(aspiration))

    def object_of(self, aspiration: str) -> str:
        match = self.object_verbs.search(aspiration)
        if match is None:
            return self.default_object
        rest = _OBJECT_END.sub("", aspiration[match.end() :]).strip(" ,;:.")
        words = rest.split()[:8]
        if not words or not content_words(" ".join(words)):
            return self.default_object
        return " ".join(words)

    def how_for(self, action: str) -> str:
        """How the goal is pursued, said to fit an action that may already say part of it."""
        return self.how_direct if self.verbs.match(action) else self.how


def family(
    name: str,
    keywords: str,
    verbs: tuple[str, str],
    default_object: str,
    how: tuple[str, str],
    evidence: str,
    measurable: str,
    milestones: tuple[str, str, str],
    why: str,
) -> GoalFamily:
    """`verbs`: the family's own verbs, and the verbs its object follows; `how`: how the
    goal is pursued, for an aspiration in other words and for one in the family's verb."""
    return GoalFamily(
        name,
        re.compile(keywords, re.IGNORECASE),
        re.compile(rf"\b(?:{verbs[0]})\b", re.IGNORECASE),
        re.compile(rf"\b(?:{verbs[1]})\b", re.IGNORECASE),
        default_object,
        how[0],
        how[1],
        evidence,
        measurable,
        milestones,
        why,
    )


_OBJECT_END = re.compile(
    r"(?:\s+|^)(?:so that|so i|so we|because|in order to|by|before|within|in \d|this|next|"
    r"and then|which|to help|to become|as a)\b.*$",
    re.IGNORECASE,
)

# Most specific first: "present my promotion case" is about promotion.
FAMILIES = (
    family(
        "promotion",
        r"\bpromot|\bnext level\b|\bpromo\b",
        (r"get promoted|get a promotion|earn a promotion", r"promotion to|promoted to"),
        "the next level",
        (
            "by building a promotion case with my manager against the criteria for the next level",
            "with a promotion case built with my manager against the criteria for the next level",
        ),
        "a promotion case, with evidence for each criterion, submitted in the next cycle",
        "A written promotion case, agreed with my manager, listing each criterion for the "
        "next level with at least one piece of evidence against it, submitted (or with a "
        "submission date agreed) in the next promotion cycle.",
        (
            "Get the criteria for the next level from my manager and list my gaps against them",
            "Gather evidence for each criterion and close or plan the two biggest gaps",
            "Submit the promotion case, or agree its submission date with my manager",
        ),
        "it makes the step to the next level explicit instead of something that happens to me",
    ),
    family(
        "certification",
        r"certif|\bexams?\b|accredit|qualification|\bdegree\b|\bdiploma\b",
        (
            r"pass|sit|get certified|(?:earn|obtain|get) (?:a|an|the|my) \w*\s*certif\w*",
            r"pass|sit|get|earn|obtain|complete",
        ),
        "the exam",
        (
            "by following a weekly study plan and sitting the exam",
            "after a weekly study plan and a full practice test",
        ),
        "passing the exam",
        "The certification passed; on the way, a full practice test scored at or above the "
        "pass mark before the exam is booked.",
        (
            "Choose the exam, book a date and set a weekly study plan",
            "Score at or above the pass mark on a full practice test",
            "Sit and pass the exam",
        ),
        "it gives recognised proof of a skill my work depends on",
    ),
    family(
        "job",
        r"\bget hired\b|\bbe hired\b|\bnew (?:job|role|position)\b|\bjob (?:search|hunt)\b|"
        r"\bcareer (?:change|switch)\b|\b(?:switch|move|transition)(?:ing)? (?:in)?to\b",
        (
            r"move into|switch to|switch into|transition to|transition into|get hired|"
            r"(?:find|land|get) a (?:new )?(?:job|role|position)",
            r"move into|switch to|switch into|transition to|transition into|find|land",
        ),
        "the role I want next",
        (
            "by naming the roles I am aiming for and preparing properly for each application",
            "with a clear description of the role I am aiming for and a prepared application",
        ),
        "applications for at least five well-matched roles and at least two interviews",
        "At least five tailored applications (or internal expressions of interest) for roles "
        "that match what I want next, leading to at least two interviews, plus two "
        "conversations with people already doing that work.",
        (
            "Describe the target role and talk to two people already doing it",
            "Update my CV and profile and send the first applications",
            "Have at least two interviews, or agree an internal move",
        ),
        "it moves me towards the work I want to be doing next",
    ),
    family(
        "hiring",
        r"\bhir(?:e|es|ing)\b|\brecruit|\binterview(?:ing)? candidates\b|"
        r"\bbuild (?:a|my|the) team\b",
        (r"hire|recruit", r"hire|recruit"),
        "a new team member",
        (
            "by running the hiring process for a role end to end",
            "through a structured interview process I run end to end",
        ),
        "a hiring recommendation made through a structured interview process",
        "One role taken through a process I ran: a written role description, a structured "
        "interview scorecard used with at least five candidates, and a hiring recommendation.",
        (
            "Write the role description and the interview scorecard",
            "Interview at least five candidates with the scorecard",
            "Make the hiring recommendation and plan the new starter's first weeks",
        ),
        "building the team is part of leading it well",
    ),
    family(
        "presenting",
        r"\bpresent|\bpublic speaking\b|\bspeak(?:ing|er)?\b|\btalks?\b|\bconference\b|"
        r"\bkeynote\b|\bpitch|\bdemo\b",
        (r"present|give a talk|give talks|speak|pitch|demo", r"present|speak at|pitch|demo"),
        "my work",
        (
            "by presenting my work to audiences beyond my own team",
            "after rehearsing with my mentor, and collect feedback from the audience",
        ),
        "at least two presentations given, with feedback from the audience",
        "At least two presentations of ten minutes or more given to an audience beyond my "
        "immediate team, with written feedback from at least two listeners after each and one "
        "thing improved between the first and the second.",
        (
            "Choose the topic and the audience, and rehearse with my mentor",
            "Give the first presentation and collect feedback",
            "Give the second presentation, with the improvement from the feedback",
        ),
        "sharing my work clearly is how it gets noticed and used",
    ),
    family(
        "writing",
        r"\bwrit(?:e|es|ing|ten)\b|\bblog|\barticles?\b|\bpublish|\bpapers?\b|\bnewsletter\b|"
        r"\bbook\b",
        (r"write|publish|blog", r"write|publish"),
        "pieces for a real audience",
        (
            "by writing pieces for a real audience and publishing them",
            "for a real audience, with a review before each piece is published",
        ),
        "at least two pieces published",
        "At least two pieces written and published (inside or outside the organisation), "
        "each reviewed by someone before publishing, with the response to each noted.",
        (
            "Choose the topics and the audience, and outline the first piece",
            "Publish the first piece after a review",
            "Publish the second piece",
        ),
        "writing down what I know makes it useful to people I never meet",
    ),
    family(
        "leading",
        r"\blead(?:s|ing)?\b|\bleader|\bmanag(?:e|es|ing|er)\b|\bfacilitat|\bchair|"
        r"\brun(?:ning)? (?:a|an|the|our|my)\b",
        (r"lead|run|facilitate|chair|manage|own", r"lead|run|facilitate|chair|manage|own"),
        "a meeting or small project",
        (
            "by leading {object} end to end: the preparation, the session itself and the "
            "written outcome",
            "end to end: the preparation, the session itself and the written outcome",
        ),
        "written feedback from two participants on how I led {object}",
        "I have led {object} at least once end to end (preparation, facilitation and a written "
        "outcome), and two participants have given me written feedback on how I led it.",
        (
            "Observe or co-lead {object} and note what works",
            "Lead {object} with my mentor reviewing my plan beforehand",
            "Lead {object} on my own and collect feedback from two participants",
        ),
        "leading the work, not only doing it, is what the next step in my role asks for",
    ),
    family(
        "confidence",
        r"\bconfiden|\bassertiv|\bspeak up\b|\bdifficult conversations?\b|\bfeedback\b|"
        r"\bdelegat|\bsay(?:ing)? no\b|\bboundar|\bimpost|\bcommunicat",
        (
            r"speak up|delegate|say no|give feedback|have (?:difficult|hard|tough) conversations",
            r"have|handle",
        ),
        "difficult conversations",
        (
            "by practising it in specific situations and reviewing each one with my mentor",
            "in specific situations, reviewing each one with my mentor",
        ),
        "three real situations handled and reviewed with my mentor",
        "Three real situations where I did this (for example a difficult conversation, a "
        "meeting where I spoke up, or a task I delegated), each written up in a few lines and "
        "reviewed with my mentor, plus feedback from one colleague who saw the change.",
        (
            "Pick the situations where I will practise and agree them with my mentor",
            "Handle and write up the first two situations, and review them with my mentor",
            "Handle the third situation and ask a colleague for feedback on the change",
        ),
        "it changes how I show up in the conversations that matter in my work",
    ),
    family(
        "network",
        r"\bnetwork|\bvisib|\bstakeholder|\brelationships?\b|\bconnections?\b|"
        r"\bknown (?:in|across)\b",
        (r"meet|build relationships with|connect with", r"meet|connect with"),
        "people outside my team",
        (
            "by meeting people outside my team in a planned way",
            "in a planned way, starting with the people whose work affects mine",
        ),
        "six one-to-one conversations with people outside my team",
        "A list of the people whose work affects mine; at least six one-to-one conversations "
        "held with people on it, and one piece of work started or improved because of them.",
        (
            "List the people whose work affects mine and book the first conversations",
            "Hold at least four of the six conversations and note what I learned",
            "Hold the remaining conversations and start one piece of work that came from them",
        ),
        "the people around my work decide how far it reaches",
    ),
    family(
        "learning",
        r"\blearn|\bskills?\b|\bcourse\b|\bget better at\b|\bimprove|\bunderstand|\bstudy|"
        r"\bmaster\b|\bupskill|\bfamiliar",
        (
            r"learn|study|master",
            r"learn about|learn how to|learn|study|master|understand|get better at|"
            r"improve my|improve|skills? in|better at",
        ),
        "the skill",
        (
            "by studying {object} and applying it in a piece of real work",
            "and apply it in a piece of real work",
        ),
        "one piece of real work that uses {object}, reviewed by a colleague",
        "A course, book or set of exercises on {object} completed, and one piece of real work "
        "that uses {object} delivered and reviewed by a colleague, with what I would do "
        "differently written down.",
        (
            "Choose the learning resource and the piece of work where I will apply {object}",
            "Finish the learning resource and start the piece of work",
            "Deliver the piece of work and get a colleague's review",
        ),
        "it builds a skill my work needs",
    ),
)
GENERIC_FAMILY = family(
    "generic",
    r"(?!)",
    (r"(?!)", r"(?!)"),
    "",
    ("", ""),
    "a concrete result agreed with my mentor",
    "One piece of evidence I could show someone else (a result, a finished piece of work, or "
    "feedback from a person affected), agreed with my mentor in our next session and checked "
    "at each milestone.",
    (
        "Agree with my mentor what done looks like and take the first step",
        "Review progress with my mentor against that evidence of done",
        "Show the evidence of done and reflect on it with my mentor",
    ),
    "it is what I most want to get from mentoring",
)

LEAD_IN = re.compile(
    r"^(?:(?:i|we)\s+(?:really\s+|would\s+|'d\s+)?"
    r"(?:want|would like|like|wish|hope|need|plan|aim|intend|am hoping|'m hoping|am going|'m going)"
    r"\s+to|(?:my|our|the)\s+(?:goal|aim|aspiration|ambition|plan)\s+is\s+to|i\s+will|"
    r"i'll|to)\s+",
    re.IGNORECASE,
)
_WANT_NOUN = re.compile(r"^(?:i|we)\s+(?:really\s+)?(?:want|would like|'d like|need)\s+", re.I)
# Words a goal can start with that keep their lower-case form in "I will …".
_ACTION_STARTS = frozenset(
    """
    achieve apply be become build change chair coach complete communicate connect create
    delegate deliver design develop do draft earn feel find finish get give grow have help
    hire host improve increase land launch lead learn make manage master meet mentor move
    organise organize own pass pitch plan practise practice prepare present publish raise
    read recruit reduce run secure set ship show sit speak start study switch take teach
    transition understand win work write
    """.split()
)


def cleaned_aspiration(aspiration: str) -> str:
    """The aspiration's first sentence as an action for "I will …": lead-ins dropped,
    no end punctuation."""
    text = " ".join(plain(aspiration).split())
    text = strip_end((split_sentences(text) or [""])[0])
    if not text:
        return "agree a first development goal with my mentor"
    stripped = LEAD_IN.sub("", text, count=1)
    if stripped == text and _WANT_NOUN.match(text):
        stripped = "get " + _WANT_NOUN.sub("", text, count=1)
    text = stripped or text
    first = text.split()[0]
    if first.lower() not in _ACTION_STARTS:
        return f"work towards {text}"
    if len(first) > 1 and first[1:].isupper():
        return text
    return first.lower() + text[len(first) :]


def family_of(action: str, context: str = "") -> GoalFamily:
    """The family a goal belongs to: by its main verb first, else by its keywords."""
    direct = next((k for k in FAMILIES if k.verbs.match(action)), None)
    if direct is not None:
        return direct
    return next(
        (k for k in FAMILIES if k.keywords.search(f"{action} {context}")),
        GENERIC_FAMILY,
    )
