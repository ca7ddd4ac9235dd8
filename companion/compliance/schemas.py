"""The evidence pack as data: every section generated from the live configuration."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


class SystemSection(BaseModel):
    product: str
    version: str
    program: str
    program_kind: str
    program_description: str
    description: str
    intended_use: str
    not_for: str
    participants: int
    active_relationships: int


class ProviderSection(BaseModel):
    llm_model: str
    llm_kind: str  # offline | local | remote
    llm_description: str
    llm_endpoint_host: str | None
    llm_fallbacks: list[str]
    encoder_model: str
    encoder_backend: str
    encoder_description: str


class KindSection(BaseModel):
    kind: str
    headline: str
    prompt: str
    output_schema: str
    ai: str  # "on" or what replaces it
    reviewers: list[str]
    receivers: str
    prompt_fields: list[str]
    profile_fields: list[str]


class Figure(BaseModel):
    key: str
    figure: str
    value: float | None
    unit: str
    detail: str
    measured_on: date | None
    command: str | None


class ReviewRate(BaseModel):
    kind: str
    decided: int
    approved: int
    approved_unedited: int
    unedited_rate: float | None
    mean_change: float | None


class FairnessRun(BaseModel):
    run_id: int
    created_at: datetime
    status: str
    semantic: bool
    mentees: int | None
    matched: int | None
    coverage: float | None
    mean_score: float | None
    by_group: dict[str, Any]
    exposure_by_group: list[dict[str, Any]]
    warnings: list[str]
    note: str


class OversightSection(BaseModel):
    human_review: str
    four_eyes: bool
    matching_review: str
    switches: list[dict[str, Any]]
    open_match_review_requests: int
    participant_rights: list[str]


class LogsSection(BaseModel):
    audit_trail: str
    audit_events: int
    oldest_event: datetime | None
    drafts_kept: str
    retention: list[dict[str, str]]
    retention_note: str


class EvidencePack(BaseModel):
    generated_at: datetime
    generated_by: str
    system: SystemSection
    providers: ProviderSection
    kinds: list[KindSection]
    figures: list[Figure]
    review_rates: list[ReviewRate]
    fairness: list[FairnessRun]
    oversight: OversightSection
    logs: LogsSection
    notice: str
    limits: list[str]
