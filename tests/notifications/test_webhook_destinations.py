"""A team chat's webhook is an address a coordinator chooses and the server then posts to:
never to this machine, a private network, a link-local address (a cloud's metadata
service) or any other address that is not public, unless the operator allows it. Checked
when the address is saved, and again, on the addresses the name resolves to then, when
each notice is sent. Over real HTTP, to receivers on loopback."""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion import outbound
from companion.audit.models import AuditEvent
from companion.errors import SettingsError
from companion.notifications.models import TeamChat
from companion.review import outbox
from companion.review.models import OutboxMessage, OutboxStatus
from companion.runtime import Services
from companion.settings import Settings, load_settings
from tests.notifications.conftest import Post
from tests.notifications.test_kinds import run_matching
from tests.review.test_outbox import WebhookReceiver, make_draft

LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.0/8")]
FIX = "COMPANION_WEBHOOK_ALLOWED_NETWORKS"


def team_chat(post: Post, url: str, who: str = "lead"):
    return post.world.client.put(
        f"/api/v1/programs/{post.world.pilot}/team-chat",
        headers=post.world.headers(who),
        json={"webhook_url": url},
    )


def shown(post: Post) -> dict:
    return post.world.client.get(
        f"/api/v1/programs/{post.world.pilot}/team-chat", headers=post.world.headers("lead")
    ).json()


class Receiver:
    """A webhook endpoint on loopback that records each request's Host header and answers
    200, or redirects every request to `redirect_to` when it is set."""

    def __init__(self) -> None:
        self.hosts: list[str | None] = []
        self.redirect_to: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hosts.append(self.headers.get("Host"))
                if receiver.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect_to)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    pair = (Receiver(), Receiver())
    for receiver in pair:
        receiver.thread.start()
    yield pair
    for receiver in pair:
        receiver.server.shutdown()
        receiver.server.server_close()


def send_notice(services: Services, settings: Settings, url: str) -> OutboxMessage:
    """Queue a team chat notice to `url`, dispatch once, and return the message as it ends."""
    with services.sessions() as session:
        message_id = outbox.enqueue_notice(session=session, webhook_url=url, text="A notice").id
        session.commit()
    outbox.dispatch(sessions=services.sessions, settings=settings)
    with services.sessions() as session:
        message = session.get_one(OutboxMessage, message_id)
        session.expunge(message)
        return message


class TestSavingRefusesWhatIsNotPublic:
    @pytest.mark.parametrize(
        ("url", "why"),
        [
            ("http://127.0.0.1:6379/anything", "loopback"),
            ("https://169.254.169.254/latest", "link-local"),
            ("https://10.0.0.5:8443/admin", "private"),
            ("https://192.168.1.20/hook", "private"),
            ("https://172.16.5.4/hook", "private"),
            ("https://[::1]/hook", "loopback"),
            ("https://[fe80::1]/hook", "link-local"),
            ("https://[fd00::1]/hook", "private"),
            ("https://[::ffff:127.0.0.1]/hook", "loopback"),
            ("https://[::ffff:169.254.169.254]/latest", "link-local"),
            ("https://0.0.0.0/hook", "unspecified"),
            ("https://[::]/hook", "unspecified"),
            ("https://224.0.0.251/hook", "multicast"),
            ("https://240.0.0.1/hook", "reserved"),
            ("https://100.64.0.1/hook", "not a public"),
            # Names, and numbers that are names to a URL but loopback to the resolver.
            ("https://localhost:8443/hook", "loopback"),
            ("https://2130706433/hook", "loopback"),
            ("https://0x7f.1/hook", "loopback"),
        ],
    )
    def test_refused_with_the_field_the_reason_and_the_fix(
        self, post: Post, url: str, why: str
    ) -> None:
        response = team_chat(post, url)
        assert response.status_code == 422, response.json()
        error = response.json()["error"]
        [detail] = error["details"]
        assert detail["field"] == "webhook_url"
        assert why in detail["message"]
        assert "public" in detail["message"] and FIX in detail["message"], "how to fix it"
        assert shown(post)["configured"] is False, "nothing was saved"

    def test_a_public_address_is_taken_and_a_name_not_resolving_now_is_checked_later(
        self, post: Post
    ) -> None:
        assert team_chat(post, "https://8.8.8.8/hook").status_code == 200
        # No answer from the resolver is no reason to refuse: each send resolves again.
        response = team_chat(post, "https://hooks.no-such-name.invalid/services/T0/B0/X")
        assert response.status_code == 200, response.json()


class TestTheOperatorAllowsARelay:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """The operator allows one network: this machine, where the relay listens."""
        return settings.model_copy(update={"webhook_allowed_networks": LOOPBACK_ONLY})

    def test_an_allowed_network_is_taken_and_no_other(self, post: Post) -> None:
        assert team_chat(post, "http://127.0.0.1:8025/relay").status_code == 200
        refused = team_chat(post, "https://10.0.0.5:8443/admin")
        assert refused.status_code == 422
        assert "private" in refused.json()["error"]["details"][0]["message"]
        assert shown(post)["host"] == "127.0.0.1", "the refused address replaced nothing"

    def test_plain_http_is_still_for_this_machine_only(self, post: Post) -> None:
        response = team_chat(post, "http://chat.example.org/hook")
        assert response.status_code == 422
        assert "https" in response.json()["error"]["details"][0]["message"]


class TestSendingChecksAgain:
    """A name that resolved to a public address when it was saved may resolve to this
    machine when a notice is sent (DNS rebinding), and an address saved while the operator
    allowed it may no longer be allowed: each send resolves and checks again."""

    def test_a_name_now_resolving_to_loopback_gets_nothing_and_the_failure_is_recorded(
        self, post: Post, webhook: WebhookReceiver, caplog: pytest.LogCaptureFixture
    ) -> None:
        port = webhook.url.split(":")[2].split("/")[0]
        with post.world.services.sessions() as session:
            # As saved while the name resolved to a public address.
            session.add(
                TeamChat(
                    program_id=post.world.pilot,
                    webhook_url=f"http://localhost:{port}/hooks/SECRET-PART",
                    set_by="lead@example.org",
                )
            )
            session.commit()
        run_matching(post)
        with caplog.at_level(logging.WARNING, logger="companion.review.outbox"):
            post.run()
        assert webhook.requests == [], "nothing reaches this machine"
        with post.world.services.sessions() as session:
            [message] = session.scalars(
                select(OutboxMessage).where(OutboxMessage.channel == outbox.WEBHOOK)
            ).all()
            assert message.status == OutboxStatus.failed
            assert message.attempts == 1, "refused, not retried"
            assert "loopback" in message.last_error
            failed = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "outbox.failed")
            ).all()
        assert [event.data["target"] for event in failed] == ["localhost"]
        assert "loopback" in failed[0].data["error"]
        logged = [r.getMessage() for r in caplog.records if r.name == "companion.review.outbox"]
        assert any("localhost" in line and "loopback" in line for line in logged)
        assert not any("SECRET-PART" in line for line in logged), "the address is a secret"

    def test_an_address_no_longer_allowed_gets_nothing(
        self, services: Services, settings: Settings, webhook: WebhookReceiver
    ) -> None:
        message = send_notice(services, settings, webhook.url)
        assert webhook.requests == []
        assert message.status == OutboxStatus.failed
        assert "loopback" in message.last_error

    def test_an_allowed_address_is_posted_to_under_its_own_name(
        self, services: Services, settings: Settings, receivers: tuple[Receiver, Receiver]
    ) -> None:
        relay, _ = receivers
        allowed = settings.model_copy(update={"webhook_allowed_networks": LOOPBACK_ONLY})
        url = f"http://localhost:{relay.port}/relay"
        message = send_notice(services, allowed, url)
        assert message.status == OutboxStatus.sent, message.last_error
        assert relay.hosts == [f"localhost:{relay.port}"], "connected to the checked address"

    def test_a_redirect_is_not_followed(
        self, services: Services, settings: Settings, receivers: tuple[Receiver, Receiver]
    ) -> None:
        relay, elsewhere = receivers
        relay.redirect_to = f"http://127.0.0.1:{elsewhere.port}/elsewhere"
        allowed = settings.model_copy(update={"webhook_allowed_networks": LOOPBACK_ONLY})
        message = send_notice(services, allowed, f"http://127.0.0.1:{relay.port}/relay")
        assert len(relay.hosts) == 1 and elsewhere.hosts == []
        assert message.status == OutboxStatus.pending
        assert message.last_error == "webhook answered HTTP 307"

    def test_the_operators_own_webhook_is_the_operators_choice_alone(
        self, session: Session, services: Services, settings: Settings, webhook: WebhookReceiver
    ) -> None:
        """COMPANION_WEBHOOK_URL is set in the server's environment, like the allow-list:
        its announcements reach a relay on loopback; a team chat notice to it does not."""
        operators = settings.model_copy(update={"webhook_url": webhook.url})
        outbox.enqueue(
            session=session,
            draft=make_draft(session),
            recipients=[],
            settings=operators,
            headline="Ready",
        )
        session.commit()
        notice = send_notice(services, operators, webhook.url)
        assert len(webhook.requests) == 1, "the announcement, and only it"
        assert "reviewed draft is ready" in webhook.requests[0][1]["text"]
        assert notice.status == OutboxStatus.failed
        assert "loopback" in notice.last_error


class TestAddresses:
    @pytest.mark.parametrize(
        ("address", "refused"),
        [
            ("8.8.8.8", False),
            ("2606:4700:4700::1111", False),
            ("127.0.0.1", True),
            ("10.1.2.3", True),
            ("169.254.169.254", True),
            ("fd12::1", True),
            ("fe80::1", True),
            ("::ffff:10.0.0.1", True),
            ("::ffff:8.8.8.8", False),
            ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
            ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
            ("255.255.255.255", True),
            ("::", True),
        ],
    )
    def test_what_is_refused(self, address: str, refused: bool) -> None:
        assert (outbound.refusal(ipaddress.ip_address(address), []) is not None) is refused

    def test_one_refused_address_among_several_refuses_the_name(self) -> None:
        public, private = ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.5")
        with pytest.raises(outbound.DestinationRefused, match="private"):
            outbound.check_addresses("relay.example.org", [public, private], allowed=[])
        assert outbound.check_addresses("relay.example.org", [public], allowed=[]) == [public]

    def test_an_allowed_network_lets_its_addresses_through(self) -> None:
        relay = ipaddress.ip_address("10.1.2.3")
        allowed = [ipaddress.ip_network("10.1.2.0/24")]
        assert outbound.refusal(relay, allowed) is None
        assert outbound.refusal(ipaddress.ip_address("10.1.3.1"), allowed) is not None


class TestTheSetting:
    def test_off_by_default(self, tmp_path: Path) -> None:
        assert load_settings(data_dir=tmp_path).webhook_allowed_networks == []

    def test_networks_from_the_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(FIX, "127.0.0.1/32, 10.1.2.0/24,fd00:1::/64")
        assert load_settings(data_dir=tmp_path).webhook_allowed_networks == [
            ipaddress.ip_network("127.0.0.1/32"),
            ipaddress.ip_network("10.1.2.0/24"),
            ipaddress.ip_network("fd00:1::/64"),
        ]

    def test_a_wrong_value_is_named(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(FIX, "10.1.2.0/24,relay.internal")
        with pytest.raises(SettingsError, match=FIX) as raised:
            load_settings(data_dir=tmp_path)
        assert "relay.internal" in str(raised.value)
