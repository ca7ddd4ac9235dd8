"""The FastAPI app factory: the composition root of the web service."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from api import observability, route_guard
from api.errors import install_error_handlers
from api.params import storable_input
from api.routes import (
    community,
    drafts,
    goals,
    health,
    invitations,
    knowledge,
    leadership,
    matching,
    matching_modes,
    me,
    notifications,
    programs,
    relationships,
    review,
    rights,
    scim,
    sign_in,
    threads,
    users,
)
from api.security_headers import SecurityHeaders
from api.web import account as web_account
from api.web import admin_pages as web_admin
from api.web import auth as web_auth
from api.web import community_pages as web_community
from api.web import compliance_pages as web_compliance
from api.web import coordinator as web_coordinator
from api.web import core as web_core
from api.web import draft_links as web_draft_links
from api.web import goal_coaching as web_goal_coaching
from api.web import goal_pages as web_goals
from api.web import inbox as web_inbox
from api.web import job_pages as web_jobs
from api.web import knowledge_pages as web_knowledge
from api.web import leadership_pages as web_leadership
from api.web import matching_pages as web_matching
from api.web import notification_pages as web_notifications
from api.web import program_pages as web_programs
from api.web import relationship_pages as web_relationships
from api.web import review_pages as web_review
from api.web import rights_pages as web_rights
from api.web import sso as web_sso
from companion import __version__
from companion.runtime import Services
from companion.settings import Settings, load_settings

log = logging.getLogger("companion.api")


def _warm_up(services: Services) -> None:
    """Load the model in the background so /healthz answers at once; /readyz waits for it."""
    try:
        services.encoder.encode_one("warm-up")
    except Exception:
        log.exception("Could not load the embedding model %s", services.settings.embedding_model)


OUTBOX_INTERVAL_SECONDS = 30


def _send_notifications(services: Services, stop: threading.Event) -> None:
    """Send queued notifications every half minute; each message is claimed and settled in
    transactions of its own, so several server processes may do this at once."""
    from companion.credentials import invitations
    from companion.notifications import job as notification_job
    from companion.review import outbox

    while not stop.wait(OUTBOX_INTERVAL_SECONDS):
        try:
            invitations.send_reminders(sessions=services.write_sessions, settings=services.settings)
        except Exception:
            log.exception("Sending invitation reminders failed; will retry")
        try:
            notification_job.run(sessions=services.write_sessions, settings=services.settings)
        except Exception:
            log.exception("Preparing notifications failed; will retry")
        try:
            outbox.dispatch(sessions=services.sessions, settings=services.settings)
        except Exception:
            log.exception("Sending queued notifications failed; will retry")


# Retention runs a while after start, then daily; `companion retention run` runs it now.
RETENTION_FIRST_SECONDS = 15 * 60
RETENTION_INTERVAL_SECONDS = 24 * 60 * 60


def _apply_retention(services: Services, stop: threading.Event) -> None:
    """Remove what the programs' retention settings say is due, in one transaction a run."""
    from companion.accounts.principal import System
    from companion.db import session_scope
    from companion.rights import retention

    wait = RETENTION_FIRST_SECONDS
    while not stop.wait(wait):
        wait = RETENTION_INTERVAL_SECONDS
        try:
            with session_scope(services.write_sessions) as session:
                retention.run(session=session, principal=System("retention"), dry_run=False)
        except Exception:
            log.exception("Applying retention failed; will retry tomorrow")


class CompanionApp(FastAPI):
    """The app, with the security headers outside every other layer: even the 500 answer
    to an unexpected error, which Starlette renders outside user middleware, carries them."""

    strict_transport: bool = False

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(
            super().build_middleware_stack(), strict_transport=self.strict_transport
        )


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the app; the expensive objects are created once, in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        built = services or Services(resolved)
        app.state.services = built
        threading.Thread(
            target=_warm_up, args=(built,), name="encoder-warm-up", daemon=True
        ).start()
        stop = threading.Event()
        if built.settings.outbox_in_server and (
            built.settings.webhook_url or built.settings.smtp_host
        ):
            threading.Thread(
                target=_send_notifications, args=(built, stop), name="outbox", daemon=True
            ).start()
        if built.settings.retention_in_server:
            threading.Thread(
                target=_apply_retention, args=(built, stop), name="retention", daemon=True
            ).start()
        try:
            yield
        finally:
            stop.set()
            if owned:
                built.close()

    resolved = services.settings if services is not None else (settings or load_settings())
    app = CompanionApp(
        title="Mentoring Companion",
        version=__version__,
        summary="Matching, a knowledge base of mentoring practice, and reviewed drafts.",
        lifespan=lifespan,
        dependencies=[Depends(storable_input)],
    )
    app.strict_transport = resolved.environment == "production"
    install_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=resolved.signing_key(),
        session_cookie=web_core.SESSION_COOKIE,
        max_age=web_core.SESSION_SECONDS,
        same_site="lax",
        https_only=resolved.environment == "production",
    )
    observability.install(app)
    app.mount("/static", StaticFiles(directory=web_core.HERE / "static"), name="static")
    for router in (
        health.router,
        me.router,
        rights.router,
        notifications.router,
        users.router,
        sign_in.router,
        programs.router,
        knowledge.router,
        leadership.router,
        matching.router,
        matching_modes.router,
        relationships.router,
        goals.router,
        threads.router,
        community.router,
        drafts.router,
        review.router,
        scim.router,
        scim.tokens_router,
        invitations.router,
        web_auth.router,
        web_sso.router,
        web_account.router,
        web_notifications.router,
        web_programs.router,  # before the coordinator's: /coordinator/programs/new is no id
        web_coordinator.router,
        web_matching.router,
        web_knowledge.router,
        web_review.router,
        web_relationships.router,
        web_goal_coaching.router,
        web_goals.router,
        web_inbox.router,
        web_admin.router,
        web_rights.router,
        web_draft_links.router,
        web_compliance.router,
        web_community.router,
        web_leadership.router,
        web_jobs.router,
    ):
        app.include_router(router)
    route_guard.skip_by_prefix(app)
    return app
