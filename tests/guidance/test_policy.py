"""Who may read and who may curate the knowledge base, role by role."""

from __future__ import annotations

import pytest

from companion.accounts.models import Role, RoleAssignment, User
from companion.accounts.principal import System
from companion.errors import NotFound, PermissionDenied
from companion.guidance import policy


def person(*roles: tuple[Role, int | None], active: bool = True) -> User:
    user = User(email="someone@example.org", display_name="Someone", is_active=active)
    user.roles = [RoleAssignment(role=role, program_id=program) for role, program in roles]
    return user


READERS_ONLY = {
    "mentor": person((Role.mentor, 1)),
    "mentee": person((Role.mentee, 1)),
    "admin": person((Role.admin, None)),
    "no role yet": person(),
}
CURATORS = {
    "program coordinator": person((Role.coordinator, 1)),
    "another program's coordinator": person((Role.coordinator, 2)),
    "organisation coordinator": person((Role.coordinator, None)),
    "mentor who also coordinates": person((Role.mentor, 1), (Role.coordinator, 3)),
    "system": System("test"),
}


@pytest.mark.parametrize("who", sorted(READERS_ONLY))
def test_participants_read_but_do_not_curate(who: str) -> None:
    principal = READERS_ONLY[who]
    assert policy.may_read(principal)
    policy.require_reader(principal)
    assert not policy.may_curate(principal)
    assert not policy.lists_retired(principal)
    with pytest.raises(PermissionDenied):
        policy.require_curator(principal)


@pytest.mark.parametrize("who", sorted(CURATORS))
def test_coordinators_of_any_program_curate(who: str) -> None:
    principal = CURATORS[who]
    assert policy.may_read(principal) and policy.may_curate(principal)
    assert policy.lists_retired(principal)
    policy.require_curator(principal)


def test_a_deactivated_account_reads_nothing_and_is_told_nothing_exists() -> None:
    for roles in ((Role.mentee, 1), (Role.coordinator, None)):
        principal = person(roles, active=False)
        assert not policy.may_read(principal) and not policy.may_curate(principal)
        with pytest.raises(NotFound) as refused:
            policy.require_reader(principal, "active-listening")
        assert refused.value.message == policy.guide_not_found("active-listening").message
        with pytest.raises(PermissionDenied):
            policy.require_curator(principal)
