"""AI stop switches: who may turn them, the audit, and that no model is asked while off."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.drafting import service as drafting
from companion.drafting.blank import BLANK_MODEL
from companion.drafting.models import Draft, DraftStatus
from companion.errors import AIFeatureOff, InvalidInput, NotFound, PermissionDenied
from companion.matching import modes_service
from companion.matching import service as matching
from companion.matching.models import MatchRun
from companion.programs import ai
from companion.programs import service as programs
from companion.programs.models import Program
from companion.review import workflow
from companion.review.schemas import Action
from companion.runtime import Services
from prompts.schemas import DraftKind
from tests.drafting.test_service import Loopback, gateway_for, valid_agenda
from tests.helpers import TEST_SYSTEM, make_user
from tests.matching.conftest import SMALL, import_cohort, to_csv
from tests.relationships.conftest import World


def switch(services: Services, program_id: int, principal=TEST_SYSTEM, **changes) -> list[str]:
    with session_scope(services.write_sessions) as session:
        program = programs.switch_ai(
            session=session, program_id=program_id, principal=principal, **changes
        )
        return list(program.ai_off)


def user(services: Services, email: str, *roles):
    with services.sessions() as session:
        make_user(session, email, *roles)
    with services.sessions() as session:
        found = accounts.get_by_email(session=session, email=email)
        session.expunge_all()
        return found


class TestWhoSwitches:
    def test_only_an_administrator_switches_and_each_change_is_audited(self, world: World):
        admin = user(world.services, "admin@example.org", (Role.admin, None))
        assert switch(world.services, world.pilot, admin, off=["drafting:agenda", "matching"]) == [
            "drafting:agenda",
            "matching",
        ]
        assert switch(world.services, world.pilot, admin, on=["matching"]) == ["drafting:agenda"]
        # Turning off what is already off changes nothing and records nothing.
        switch(world.services, world.pilot, admin, off=["drafting:agenda"])
        with world.services.sessions() as session:
            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "program.ai_switched")
                .order_by(AuditEvent.seq)
            ).all()
        assert [(e.actor_label, e.data["turned_off"], e.data["turned_on"]) for e in events] == [
            ("admin@example.org", ["drafting:agenda", "matching"], []),
            ("admin@example.org", [], ["matching"]),
        ]

    def test_everyone_but_an_administrator_is_refused_before_the_program_is_looked_up(
        self, world: World
    ):
        with world.services.sessions() as session:
            lead = accounts.get_by_email(session=session, email="lead@example.org")
            maya = accounts.get_by_email(session=session, email="maya@example.org")
            elsewhere = accounts.get_by_email(session=session, email="else@example.org")
            org = accounts.get_by_email(session=session, email="org@example.org")
            for refused in (lead, org):
                with pytest.raises(PermissionDenied):
                    programs.switch_ai(
                        session=session, program_id=world.pilot, principal=refused, off=["answers"]
                    )
            with pytest.raises(PermissionDenied):
                programs.switch_ai(
                    session=session, program_id=world.pilot, principal=maya, off=["answers"]
                )
            with pytest.raises(PermissionDenied) as unreadable:
                programs.switch_ai(
                    session=session, program_id=world.pilot, principal=elsewhere, off=["answers"]
                )
            with pytest.raises(PermissionDenied) as absent:
                programs.switch_ai(
                    session=session, program_id=99999, principal=elsewhere, off=["answers"]
                )
            assert unreadable.value.message == absent.value.message
            admin = user(world.services, "admin@example.org", (Role.admin, None))
            with pytest.raises(NotFound):
                programs.switch_ai(
                    session=session, program_id=99999, principal=admin, off=["answers"]
                )

    def test_an_unknown_feature_is_named_and_nothing_changes(self, world: World):
        with pytest.raises(InvalidInput) as refused:
            switch(world.services, world.pilot, off=["drafting:agenda", "drafting:poems"])
        assert "'drafting:poems'" in refused.value.message
        assert refused.value.details[0]["field"] == "off"
        with pytest.raises(InvalidInput):
            switch(world.services, world.pilot, off=["matching"], on=["matching"])
        assert switch(world.services, world.pilot) == []


def request(world: World, kind: DraftKind, gateway, **kwargs) -> Draft:
    with session_scope(world.services.write_sessions) as session:
        draft = drafting.request_draft(
            services=world.services,
            session=session,
            kind=kind,
            principal=TEST_SYSTEM,
            gateway=gateway,
            **kwargs,
        )
        session.flush()
        session.refresh(draft)
        session.expunge(draft)
        return draft


class TestDraftingOff:
    def test_a_kind_switched_off_is_a_blank_template_and_no_model_is_asked(
        self, grounded: World, loopback: Loopback
    ):
        gateway = gateway_for(grounded, loopback)
        switch(grounded.services, grounded.pilot, off=["drafting:agenda"])
        blank = request(grounded, DraftKind.agenda, gateway, relationship_id=grounded.first)
        assert loopback.requests == []
        assert blank.model == BLANK_MODEL
        assert blank.status == DraftStatus.pending_review
        assert blank.sources == [] and blank.attempts == 0
        assert set(blank.content) >= {"objectives", "items", "questions", "preparation"}
        assert "AI drafting is switched off" in blank.text
        # Another kind of the same program still asks the model.
        loopback.script.append((200, '{"last_time": "We met.", "guidance": []}'))
        request(grounded, DraftKind.brief, gateway, relationship_id=grounded.first)
        assert len(loopback.requests) == 1

    def test_another_program_switched_off_leaves_this_one_drafting(
        self, grounded: World, loopback: Loopback
    ):
        switch(grounded.services, grounded.other, off=["drafting:agenda"])
        loopback.script.append((200, json.dumps(valid_agenda())))
        drafted = request(
            grounded,
            DraftKind.agenda,
            gateway_for(grounded, loopback),
            relationship_id=grounded.first,
        )
        assert len(loopback.requests) == 1
        assert drafted.model != BLANK_MODEL

    def test_a_blank_template_is_approved_only_once_a_person_filled_it_in(self, world: World):
        switch(world.services, world.pilot, off=["drafting:agenda"])
        blank = request(world, DraftKind.agenda, None, relationship_id=world.first)
        with session_scope(world.services.write_sessions) as session:
            with pytest.raises(InvalidInput) as refused:
                workflow.decide(
                    session=session,
                    draft_id=blank.id,
                    action=Action.approve,
                    version=blank.version,
                    principal=TEST_SYSTEM,
                    services=world.services,
                )
            assert "blank template" in refused.value.message
        with session_scope(world.services.write_sessions) as session:
            approved = workflow.decide(
                session=session,
                draft_id=blank.id,
                action=Action.approve,
                version=blank.version,
                principal=TEST_SYSTEM,
                content=valid_agenda(),
                services=world.services,
            )
            assert approved.status in (DraftStatus.approved, DraftStatus.delivered)
            assert approved.edited and approved.model == BLANK_MODEL

    def test_answers_switched_off_in_a_coordinated_program_ask_no_model(
        self, grounded: World, loopback: Loopback
    ):
        switch(grounded.services, grounded.pilot, off=["answers"])
        with session_scope(grounded.services.write_sessions) as session:
            lead = accounts.get_by_email(session=session, email="lead@example.org")
            elsewhere = accounts.get_by_email(session=session, email="else@example.org")
            with pytest.raises(AIFeatureOff) as off:
                drafting.request_draft(
                    services=grounded.services,
                    session=session,
                    kind=DraftKind.answer,
                    principal=lead,
                    gateway=gateway_for(grounded, loopback),
                    text="How often should a pair meet?",
                )
            assert "Pilot" in off.value.message and "search" in off.value.message
            assert loopback.requests == []
            # A coordinator of the other program still gets a drafted answer.
            loopback.script.append(
                (200, '{"answer": "Every two weeks.", "claims": [], "insufficient": true}')
            )
            drafting.request_draft(
                services=grounded.services,
                session=session,
                kind=DraftKind.answer,
                principal=elsewhere,
                gateway=gateway_for(grounded, loopback),
                text="How often should a pair meet?",
            )
            assert len(loopback.requests) == 1


def counting(monkeypatch: pytest.MonkeyPatch, services: Services) -> list[int]:
    """Count the encoder's calls (the real encoder still answers them)."""
    calls: list[int] = []
    encoder = services.encoder
    real_encode, real_one = encoder.encode, encoder.encode_one

    def encode(texts):
        calls.append(len(texts))
        return real_encode(texts)

    def encode_one(text):
        calls.append(1)
        return real_one(text)

    monkeypatch.setattr(encoder, "encode", encode)
    monkeypatch.setattr(encoder, "encode_one", encode_one)
    return calls


def run_matching(services: Services, program_id: int) -> dict:
    with session_scope(services.write_sessions) as session:
        created = matching.run(
            session=session,
            vectors=services.profile_vectors,
            program_id=program_id,
            principal=TEST_SYSTEM,
        )
        return matching.run_payload(
            session=session, run_id=created.id, principal=TEST_SYSTEM
        ).model_dump()


class TestMatchingOff:
    def test_rule_based_matching_encodes_nothing_and_the_other_program_still_does(
        self, services: Services, monkeypatch: pytest.MonkeyPatch
    ):
        pilot = import_cohort(services, to_csv(SMALL), program="Pilot")
        other = import_cohort(services, to_csv(SMALL), program="Other")
        switch(services, pilot, off=["matching"])
        calls = counting(monkeypatch, services)
        ruled = run_matching(services, pilot)
        assert calls == []
        assert ruled["matches"], "rule-based matching still proposes pairs"
        reasons = [r for p in ruled["matches"] for r in p["reasons"]]
        assert any("semantic matching off" in r for r in reasons)
        with services.sessions() as session:
            assert session.get(MatchRun, ruled["run_id"]).settings["semantic"] is False
        run_matching(services, other)
        assert calls, "the other program still matches by meaning"

    def test_modes_that_rank_by_meaning_say_they_are_off(
        self, services: Services, monkeypatch: pytest.MonkeyPatch
    ):
        pilot = import_cohort(services, to_csv(SMALL), program="Pilot")
        switch(services, pilot, off=["matching"])
        calls = counting(monkeypatch, services)
        with services.sessions() as session:
            with pytest.raises(AIFeatureOff):
                modes_service.recommendations(
                    session=session,
                    vectors=services.profile_vectors,
                    program_id=pilot,
                    mentee_id="E1",
                    principal=TEST_SYSTEM,
                )
            with pytest.raises(AIFeatureOff):
                modes_service.ask(
                    session=session,
                    vectors=services.profile_vectors,
                    program_id=pilot,
                    question="Who knows Kubernetes?",
                    principal=TEST_SYSTEM,
                )
        assert calls == []


class TestOverHttpAndCli:
    def test_the_api_lets_administrators_switch_and_members_read(self, world: World):
        with world.services.sessions() as session:
            _, admin = make_user(session, "admin@example.org", (Role.admin, None))
        url = f"/api/v1/programs/{world.pilot}/ai"
        body = {"off": ["drafting:nudge", "answers"]}
        for who, status in (("lead", 403), ("org", 403), ("maya", 403), ("elsewhere", 403)):
            answer = world.client.put(url, json=body, headers=world.headers(who))
            assert answer.status_code == status, who
        switched = world.client.put(url, json=body, headers={"Authorization": f"Bearer {admin}"})
        assert switched.status_code == 200
        assert switched.json()["off"] == ["drafting:nudge", "answers"]
        shown = world.client.get(url, headers=world.headers("eli"))
        nudge = next(f for f in shown.json()["features"] if f["name"] == "drafting:nudge")
        assert nudge == {
            "name": "drafting:nudge",
            "label": "Drafting nudges to quiet pairs",
            "on": False,
            "fallback": "a blank template of the kind, filled in by a person and reviewed",
        }
        assert world.client.get(url, headers=world.headers("elsewhere")).status_code == 404
        bad = world.client.put(
            url, json={"off": ["drafting:poem"]}, headers={"Authorization": f"Bearer {admin}"}
        )
        assert bad.status_code == 422 and "drafting:poem" in bad.json()["error"]["message"]

    def test_the_cli_switches_by_program_name(self, world: World, monkeypatch):
        from typer.testing import CliRunner

        from companion.cli import app
        from tests.helpers import point_cli_at

        point_cli_at(monkeypatch, world.services.settings)
        runner = CliRunner()
        result = runner.invoke(app, ["programs", "ai", "Pilot", "--off", "drafting:agenda"])
        assert result.exit_code == 0, result.output
        assert "OFF  drafting:agenda" in result.output
        assert "on   matching" in result.output
        shown = runner.invoke(app, ["programs", "ai", "Pilot", "--json"])
        assert json.loads(shown.output)["off"] == ["drafting:agenda"]
        refused = runner.invoke(app, ["programs", "ai", "Pilot", "--off", "poems"])
        assert refused.exit_code == 1 and "'poems' is not an AI feature" in refused.output


class TestSwitchesPage:
    def test_an_administrator_unticks_a_feature_and_nobody_else_may(
        self, admin_browser, browser_for, web: World
    ):
        page = admin_browser.get("/admin/ai")
        assert page.status_code == 200
        assert f'action="/admin/ai/{web.pilot}"' in page.text
        assert 'name="csrf_token" value=""' not in page.text, "every form carries the token"
        kept = [f for f in ai.FEATURES if f != "drafting:nudge"]
        saved = admin_browser.post(f"/admin/ai/{web.pilot}", {"on": kept}, follow_redirects=True)
        assert saved.status_code == 200
        assert "AI features off: Drafting nudges to quiet pairs." in saved.text
        for who in ("lead", "org", "maya"):
            browser = browser_for(who)
            assert browser.get("/admin/ai").status_code == 403
            assert browser.post(f"/admin/ai/{web.pilot}", {"on": []}).status_code == 403
        stranger = browser_for("elsewhere")
        assert stranger.post(f"/admin/ai/{web.pilot}", {"on": []}).status_code == 403
        assert stranger.post("/admin/ai/987654", {"on": []}).status_code == 403
        with web.services.sessions() as session:
            assert session.get(Program, web.pilot).ai_off == ["drafting:nudge"]
