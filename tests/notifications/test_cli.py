"""`companion outbox send` runs the notifications job before it sends: a session booked
through the API reaches the other member from the command line, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers import cli_env
from tests.notifications.conftest import Post, calendar_of, later


def send(post: Post) -> list[dict]:
    env = {
        **os.environ,
        **cli_env(post.world.services.settings.data_dir),
        "COMPANION_SMTP_HOST": "127.0.0.1",
        "COMPANION_SMTP_PORT": str(post.settings.smtp_port),
        "COMPANION_PUBLIC_URL": post.settings.public_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "companion", "outbox", "send", "--json"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_outbox_send_prepares_and_sends_the_notifications_that_are_due(post: Post) -> None:
    booked = post.world.client.post(
        f"/api/v1/relationships/{post.world.first}/sessions",
        headers=post.world.headers("maya"),
        json={"starts_at": later(72).isoformat()},
    )
    assert booked.status_code == 201
    assert send(post) == [
        {
            "reminders": 0,
            "sent": 1,
            "retried": 0,
            "failed": 0,
            "cancelled": 0,
            "pending": 0,
            "notified": 1,
        }
    ]
    mail = post.take()
    assert list(mail) == ["eli@example.org"]
    # The proposal: nothing goes into a calendar until Eli accepts it.
    assert calendar_of(mail["eli@example.org"][0]) is None
    assert send(post) == [
        {"reminders": 0, "sent": 0, "retried": 0, "failed": 0, "cancelled": 0, "pending": 0}
    ]
    assert post.take() == {}
