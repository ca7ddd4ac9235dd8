"""`companion outbox send --every N`: the deployment's worker sends what is queued, and
stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from companion.accounts.models import Role
from companion.review import outbox
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import cli_env, free_port, make_user


class Mailbox:
    def __init__(self) -> None:
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, _server, _session, envelope: Envelope) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def test_the_worker_sends_a_queued_invitation_and_stops_on_sigterm(settings: Settings) -> None:
    mailbox = Mailbox()
    port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        **os.environ,
        **cli_env(settings.data_dir),
        "COMPANION_SMTP_HOST": "127.0.0.1",
        "COMPANION_SMTP_PORT": str(port),
    }
    cli = [sys.executable, "-m", "companion"]
    try:
        mailing = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        services = Services(mailing)
        try:
            with services.sessions() as session:
                user, _ = make_user(session, "newcomer@example.org", (Role.mentor, None))
                outbox.enqueue_account_email(
                    session=session, user=user, subject="Welcome", body="Hello", settings=mailing
                )
                session.commit()
        finally:
            services.close()
        worker = subprocess.Popen(
            [*cli, "outbox", "send", "--json", "--every", "1"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not mailbox.recipients and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        output, errors = worker.communicate(timeout=60)
    finally:
        smtp.stop()
    assert worker.returncode == 0, errors
    assert mailbox.recipients == [["newcomer@example.org"]]
    rounds = [json.loads(line) for line in output.splitlines()]
    assert rounds == [
        {"reminders": 0, "sent": 1, "retried": 0, "failed": 0, "cancelled": 0, "pending": 0}
    ]
