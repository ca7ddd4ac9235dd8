"""What the deployment's monitoring may read: drafts, LLM use and the outbox, in figures.

The figures come from the database, so any one process of a scaled deployment
reports the deployment's totals, and they survive restarts. They hold counts and
model names only: no person, program or text is ever a label.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from companion.drafting.models import Draft, DraftStatus
from companion.errors import NotFound
from companion.review import outbox
from companion.settings import Settings


@dataclass(frozen=True)
class ModelUse:
    """Drafting through one model: the offline drafter is the model 'offline'."""

    model: str
    drafts: int
    calls: int  # attempts, re-asks included
    prompt_tokens: int
    completion_tokens: int
    failures: int


@dataclass(frozen=True)
class Figures:
    drafts_by_status: dict[str, int] = field(default_factory=dict)
    models: list[ModelUse] = field(default_factory=list)
    outbox_backlog: int = 0


def may_scrape(*, settings: Settings, client_host: str | None, token: str | None) -> bool:
    """Who may read /metrics.

    With `COMPANION_METRICS_TOKEN` set: whoever sends it as a bearer token, from
    anywhere. Without it: only a client on this machine (loopback), and never in
    production, where a reverse proxy on the same machine would make every
    visitor look local.
    """
    expected = settings.metrics_token
    if expected is not None:
        return token is not None and hmac.compare_digest(
            token.encode(), expected.get_secret_value().encode()
        )
    if settings.environment == "production" or client_host is None:
        return False
    try:
        return ipaddress.ip_address(client_host).is_loopback
    except ValueError:
        return False


def read_figures(
    *, session: Session, settings: Settings, client_host: str | None, token: str | None
) -> Figures:
    """The figures, for a scraper allowed by `may_scrape`; anyone else is told 404."""
    if not may_scrape(settings=settings, client_host=client_host, token=token):
        raise NotFound("There is no page at this address.")
    by_status = dict.fromkeys((s.value for s in DraftStatus), 0)
    for status, count in session.execute(
        select(Draft.status, func.count()).group_by(Draft.status)
    ).all():
        by_status[DraftStatus(status).value] = int(count)
    failed = func.sum(case((Draft.status == DraftStatus.failed, 1), else_=0))
    models = [
        ModelUse(
            model=model,
            drafts=int(drafts),
            calls=int(calls or 0),
            prompt_tokens=int(prompt or 0),
            completion_tokens=int(completion or 0),
            failures=int(failures or 0),
        )
        for model, drafts, calls, prompt, completion, failures in session.execute(
            select(
                Draft.model,
                func.count(),
                func.sum(Draft.attempts),
                func.sum(Draft.prompt_tokens),
                func.sum(Draft.completion_tokens),
                failed,
            )
            .group_by(Draft.model)
            .order_by(Draft.model)
        ).all()
    ]
    return Figures(
        drafts_by_status=by_status, models=models, outbox_backlog=outbox.pending_count(session)
    )
