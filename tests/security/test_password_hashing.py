"""Passwords are hashed with Argon2id and the RFC 9106 low-memory profile.

The rest of the suite hashes with argon2's cheapest profile to stay fast
(`tests/conftest.py`); this file checks what the service itself does, in a process
of its own that the suite's setting never reaches.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from argon2 import PasswordHasher, extract_parameters, profiles

from companion.accounts import passwords

ROOT = Path(__file__).resolve().parents[2]


def test_the_service_hashes_with_the_rfc_9106_low_memory_profile() -> None:
    assert passwords.PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    probe = (
        "import json; from argon2 import extract_parameters;"
        "from companion.accounts import passwords;"
        "p = extract_parameters(passwords._hasher.hash('a long enough password'));"
        "print(json.dumps([p.type.name, p.time_cost, p.memory_cost, p.parallelism]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == ["ID", 3, 65536, 4]


def test_a_hash_made_with_other_parameters_still_verifies_and_is_renewed(session) -> None:
    """A hash records its own parameters: changing them never locks anyone out."""
    from companion.accounts.models import Role
    from tests.helpers import make_user

    user, _ = make_user(session, "ada@example.org", (Role.coordinator, None))
    strong = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    user.password_hash = strong.hash("correct horse battery")
    session.commit()

    signed_in = passwords.authenticate(
        session=session, email="ada@example.org", password="correct horse battery"
    )
    assert signed_in.id == user.id
    # The suite's own (cheapest) parameters now apply: the stored hash is renewed.
    assert extract_parameters(signed_in.password_hash) != profiles.RFC_9106_LOW_MEMORY
    assert PasswordHasher().verify(signed_in.password_hash, "correct horse battery")
