"""Generate a program's evidence pack from its live configuration and records.

Nothing in the pack is written by hand: the models come from the settings the
process runs with, the prompts and review rules from the draft-kind registry, the
switches and four eyes from the program, the accuracy figures from the results
file the bench scripts write (`docs/measurements.json`), the review rates and the
fairness reports from the database. A figure that was never measured says so.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import companion
from companion.accounts.principal import Principal, System, actor_of
from companion.audit.models import AuditEvent
from companion.compliance import policy
from companion.compliance.schemas import (
    EvidencePack,
    FairnessRun,
    Figure,
    KindSection,
    LogsSection,
    OversightSection,
    ProviderSection,
    ReviewRate,
    SystemSection,
)
from companion.db.base import utcnow
from companion.drafting import kinds, privacy
from companion.drafting.gateway import LOCAL_HOSTS, LOCAL_PREFIXES, OFFLINE
from companion.matching.models import MatchRun
from companion.participants.models import Participant
from companion.programs import ai
from companion.programs.models import Program
from companion.relationships.models import MatchReviewRequest, Relationship, RelationshipStatus
from companion.review import stats
from companion.rights.models import DataRightsSettings
from companion.rights.schemas import PLACES, RetentionSettings
from companion.settings import Settings
from prompts.schemas import INPUTS

MEASUREMENTS = Path(__file__).resolve().parents[2] / "docs" / "measurements.json"
# The figures the project publishes, in the order the pack shows them.
PUBLISHED = {
    "matching.cohort_a.assigned": "Matching: planted mentor assigned, cohort A (tuning)",
    "matching.cohort_a.top3": "Matching: planted mentor among the three best-scored, cohort A",
    "matching.cohort_b.assigned": "Matching: planted mentor assigned, cohort B (held out)",
    "matching.cohort_b.top3": "Matching: planted mentor among the three best-scored, cohort B",
    "retrieval.labelled.recall_at_3": "Knowledge base: recall@3 of hybrid search, labelled",
    "retrieval.held-out.recall_at_3": "Knowledge base: recall@3 of hybrid search, held-out",
    "smart_check.tuning.verdict": "SMART check: agreement with a person, tuning half",
    "smart_check.heldout.verdict": "SMART check: agreement with a person, held-out half",
}
RUNS_SHOWN = 3
INTENDED_USE = (
    "Supports mentoring: proposes mentor-mentee pairs for a coordinator to approve, finds "
    "guidance on mentoring practice, and drafts working material (session agendas, briefs, "
    "SMART goals, feedback questions, nudges, answers) that a person reviews before anyone "
    "receives it."
)
NOT_FOR = (
    "Not for evaluating, promoting or dismissing people, allocating work, or any decision "
    "about employment. Its outputs describe a mentoring relationship, not a person's "
    "performance, and must not be used as evidence about anyone."
)
REVIEWER_WORDS = {
    "requester": "the coordinator who asked for it",
    "coordinator": "a coordinator of the program (unless made from the pair's private material)",
    "mentor": "the mentor of the relationship",
    "subject": "the participant it is for",
    "members": "every member the story names",
}
AUDIENCE_WORDS = {
    "requester": "the coordinator who asked for it",
    "program": "the program's participants",
    "members": "both members of the pair",
    "mentor": "the mentor",
    "subject": "the participant it is for",
}


def evidence_pack(
    *, session: Session, settings: Settings, program_id: int, principal: Principal
) -> EvidencePack:
    """The program's evidence pack, for an administrator or one of its coordinators."""
    program = policy.reportable_program(session=session, program_id=program_id, principal=principal)
    providers = _providers(settings)
    return EvidencePack(
        generated_at=utcnow(),
        generated_by=actor_of(principal).label,
        system=_system(session, program),
        providers=providers,
        kinds=_kinds(program, providers.llm_kind),
        figures=published_figures(),
        review_rates=_review_rates(session, program),
        fairness=_fairness(session, program),
        oversight=_oversight(session, program),
        logs=_logs(session, program),
        notice=_notice(program, providers),
        limits=_limits(program),
    )


def _system(session: Session, program: Program) -> SystemSection:
    participants = session.scalar(
        select(func.count(Participant.id)).where(Participant.program_id == program.id)
    )
    open_statuses = [s for s in RelationshipStatus if s.is_open]
    active = session.scalar(
        select(func.count(Relationship.id)).where(
            Relationship.program_id == program.id, Relationship.status.in_(open_statuses)
        )
    )
    return SystemSection(
        product="Mentoring Companion",
        version=companion.__version__,
        program=program.name,
        program_kind=str(program.kind),
        program_description=program.description or "",
        description=(
            "A self-hosted service that runs mentoring programs: it matches mentors and "
            "mentees from what they write about themselves, searches a curated knowledge "
            "base of mentoring practice, and drafts working material with a language model "
            "or its built-in offline drafter. No drafted text reaches a participant before "
            "a person approves it, and no pair exists before a coordinator approves it."
        ),
        intended_use=INTENDED_USE,
        not_for=NOT_FOR,
        participants=participants or 0,
        active_relationships=active or 0,
    )


def llm_kind(settings: Settings) -> str:
    """offline (no provider), local (a runtime on this machine) or remote."""
    if settings.llm_model == OFFLINE:
        return "offline"
    if settings.llm_model.startswith(LOCAL_PREFIXES):
        return "local"
    host = urlparse(settings.llm_api_base or "").hostname or ""
    return "local" if host in LOCAL_HOSTS else "remote"


def _providers(settings: Settings) -> ProviderSection:
    kind = llm_kind(settings)
    described = {
        "offline": "The built-in offline drafter: deterministic templates filled from the "
        "program's own records and retrieved guidance. No language model; nothing leaves "
        "the server.",
        "local": "A language model on this machine or the organisation's own network, "
        "reached through litellm.",
        "remote": "A language model run by an outside provider, reached through litellm: "
        "the prompt fields listed per kind below leave the organisation.",
    }[kind]
    return ProviderSection(
        llm_model=settings.llm_model,
        llm_kind=kind,
        llm_description=described,
        llm_endpoint_host=urlparse(settings.llm_api_base).hostname
        if settings.llm_api_base
        else None,
        llm_fallbacks=list(settings.llm_fallbacks),
        encoder_model=Path(settings.embedding_model).name,
        encoder_backend=settings.embedding_backend,
        encoder_description=(
            "A sentence encoder run inside the service (no network): it turns profile "
            "sentences and knowledge-base passages into vectors for matching by meaning "
            "and for search."
        ),
    )


def _kinds(program: Program, provider: str) -> list[KindSection]:
    sections = []
    remote = provider == "remote"
    for kind, spec in kinds.KINDS.items():
        feature = ai.drafting(kind.value)
        off = ai.is_off(program, feature)
        fields = list(INPUTS[kind].model_fields)
        people = {"mentor", "mentee"} & set(fields)
        profile = (
            [f for f in program.llm_profile_fields or [] if f in privacy.PROFILE_FIELDS]
            if remote
            else list(privacy.PROFILE_FIELDS)
        )
        sections.append(
            KindSection(
                kind=kind.value,
                headline=spec.headline,
                prompt=spec.prompt.ref,
                output_schema=spec.output.__name__,
                ai=f"off: {ai.FALLBACKS[feature]}" if off else "on",
                reviewers=[REVIEWER_WORDS[r.value] for r in sorted(spec.reviewers)],
                receivers=AUDIENCE_WORDS[spec.receivers.value],
                prompt_fields=[] if off else fields,
                profile_fields=[] if off or not people else profile,
            )
        )
    return sections


def published_figures(path: Path = MEASUREMENTS) -> list[Figure]:
    """The published accuracy figures, each with its date and command, or "not measured"."""
    stored: dict[str, Any] = json.loads(path.read_text())["figures"] if path.exists() else {}
    figures = []
    for key, name in PUBLISHED.items():
        found = stored.get(key)
        if found is None:
            figures.append(
                Figure(
                    key=key,
                    figure=name,
                    value=None,
                    unit="share",
                    detail="Not measured yet.",
                    measured_on=None,
                    command=None,
                )
            )
            continue
        figures.append(
            Figure(
                key=key,
                figure=found["figure"],
                value=found["value"],
                unit=found["unit"],
                detail=found.get("detail", ""),
                measured_on=date.fromisoformat(found["measured_on"]),
                command=found["command"],
            )
        )
    return figures


def _review_rates(session: Session, program: Program) -> list[ReviewRate]:
    # The caller's authority was checked for this program; the statistics are read for it.
    rows = stats.review_by_kind(
        session=session, principal=System("compliance report"), program_id=program.id
    )
    return [
        ReviewRate(
            kind=row.kind,
            decided=row.decided,
            approved=row.approved,
            approved_unedited=row.approved_unedited,
            unedited_rate=row.unedited_rate,
            mean_change=row.mean_change,
        )
        for row in rows
    ]


def _fairness(session: Session, program: Program) -> list[FairnessRun]:
    runs = session.scalars(
        select(MatchRun)
        .where(MatchRun.program_id == program.id)
        .order_by(MatchRun.created_at.desc(), MatchRun.id.desc())
        .limit(RUNS_SHOWN)
    ).all()
    shown = []
    for run in runs:
        report = run.fairness or {}
        shown.append(
            FairnessRun(
                run_id=run.id,
                created_at=run.created_at,
                status=str(run.status),
                semantic=bool((run.settings or {}).get("semantic", True)),
                mentees=report.get("mentees"),
                matched=report.get("matched"),
                coverage=report.get("coverage"),
                mean_score=report.get("mean_score"),
                by_group=report.get("by_group") or {},
                # Which mentors are most exposed names people: left out of the pack.
                exposure_by_group=(report.get("exposure") or {}).get("by_group") or [],
                warnings=list(report.get("warnings") or []),
                note=report.get("note", ""),
            )
        )
    return shown


def _oversight(session: Session, program: Program) -> OversightSection:
    open_requests = session.scalar(
        select(func.count(MatchReviewRequest.id)).where(
            MatchReviewRequest.program_id == program.id, MatchReviewRequest.resolved_at.is_(None)
        )
    )
    return OversightSection(
        human_review=(
            "Every drafted text is stored pending review with its provenance (model, prompt "
            "and version, guidance used, tokens, cost). Only a person's decision moves it: "
            "approve, edit and approve, reject, or request changes. Participants read only "
            "approved text, marked as drafted with AI assistance and naming who approved it."
        ),
        four_eyes=bool(program.four_eyes),
        matching_review=(
            "A matching run only proposes; a coordinator approves, rejects, swaps or pairs by "
            "hand, and hard rules (language, reporting line, avoid lists) always apply. "
            "Members see why they were matched and can ask a coordinator to review the match."
        ),
        switches=[
            {
                "feature": feature,
                "label": ai.LABELS[feature],
                "state": "off" if ai.is_off(program, feature) else "on",
                "instead": ai.FALLBACKS[feature],
            }
            for feature in ai.FEATURES
        ],
        open_match_review_requests=open_requests or 0,
        participant_rights=[
            "See why they were matched (the approved reasons) and ask a coordinator to "
            "review the match.",
            "See, on every drafted text they receive, that it was drafted with AI "
            "assistance and who approved it.",
            "Access, export and erasure of their data: see docs/privacy.md.",
        ],
    )


def _logs(session: Session, program: Program) -> LogsSection:
    events, oldest = session.execute(
        select(func.count(AuditEvent.id), func.min(AuditEvent.occurred_at)).where(
            AuditEvent.program_id == program.id
        )
    ).one()
    # The program's retention periods (companion.rights); none set keeps everything.
    stored = session.get(DataRightsSettings, program.id)
    periods = RetentionSettings.model_validate(stored.retention if stored else {})
    retention = [
        {
            "setting": f"{name}: {PLACES[name]}",
            "value": "keep (no limit)" if days is None else f"{days} days",
        }
        for name, days in periods.model_dump().items()
        if days is not None
    ]
    return LogsSection(
        audit_trail=(
            "An append-only, hash-chained audit trail records every change of state: "
            "program settings and AI switches, imports, matching runs and decisions, every "
            "review decision with a hash of the text, deliveries, sign-ins and role "
            "changes. `companion audit verify` checks that no event was edited, removed or "
            "reordered."
        ),
        audit_events=events or 0,
        oldest_event=oldest,
        drafts_kept=(
            "Every draft is kept with its provenance (model, prompt@version, sources, "
            "tokens, cost, latency, the AI original beside a person's edit, who decided "
            "and when), including failed attempts."
        ),
        retention=retention,
        retention_note=(
            "No retention limit is set for this program: audit events, drafts and AI logs "
            "are kept until deleted (keep). The AI Act asks deployers to keep logs at "
            "least six months."
            if not retention
            else "Retention as configured for this program; the AI Act asks deployers to "
            "keep logs at least six months."
        ),
    )


def _shown(value: Any) -> str:
    if value is None:
        return "keep (no limit)"
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _notice(program: Program, providers: ProviderSection) -> str:
    on = [f for f in ai.FEATURES if not ai.is_off(program, f)]
    drafting_on = [
        ai.LABELS[f].removeprefix("Drafting ").lower().replace("smart", "SMART")
        for f in on
        if f.startswith("drafting:")
    ]
    uses = []
    if ai.MATCHING in on:
        uses.append(
            "to propose mentor-mentee pairs, comparing what people wrote about their goals "
            "and expertise (a coordinator approves every pair)"
        )
    if drafting_on:
        uses.append(
            "to draft working material for mentoring (" + ", ".join(drafting_on) + "), which "
            "a person reviews and approves before anyone receives it"
        )
    if ai.ANSWERS in on:
        uses.append("to draft answers from a knowledge base of mentoring practice")
    where = {
        "offline": "Drafting uses a built-in template drafter on our own server; no text is "
        "sent to an outside AI provider.",
        "local": "Drafting uses a language model run on our own infrastructure; no text is "
        "sent to an outside AI provider.",
        "remote": f"Drafting uses a language model from an outside provider "
        f"({providers.llm_model}); only the fields listed in the evidence pack are sent, "
        "with e-mail addresses and phone numbers removed and never any demographic data.",
    }[providers.llm_kind]
    used = "; ".join(uses) if uses else "for nothing at present: every AI feature is off"
    return (
        f'Notice to the people of the mentoring program "{program.name}" and their '
        "representatives\n\n"
        f"From [date], [organisation] uses Mentoring Companion to run this program. It "
        f"uses AI {used}. {where}\n\n"
        "It supports mentoring only. It is not used to evaluate, promote or dismiss anyone, "
        "or to allocate work, and what it produces is not evidence about anyone's "
        "performance.\n\n"
        "People stay in charge: a coordinator approves every match, and nothing drafted "
        "reaches you before a person has approved it; drafted text you receive says so and "
        "names who approved it. You can see why you were matched and ask a coordinator to "
        "review your match. You may ask for a copy of your data, and for its erasure.\n\n"
        "Questions and objections: [contact person, e-mail]. Data-protection officer: "
        "[name, e-mail]. The evidence pack describing the system, its measured accuracy "
        "and the data it uses is available from [where]."
    )


def _limits(program: Program) -> list[str]:
    return [
        "The built-in sentence encoder compares meaning in English only; profiles in other "
        'languages are marked "not judged" and must be read by the coordinator.',
        "Accuracy figures come from small labelled sets written for this project (see each "
        "figure's detail); they are not measurements on this organisation's people.",
        "Fairness figures use only people who consented to give demographic data, and hide "
        "groups of fewer than three people; they cannot show what they were not given.",
        "Drafts can be wrong or miss context; they are suggestions for a reviewer, never "
        "decisions. Reviewers should read them critically rather than approve by habit.",
    ]
