"""Who may read and act on leaders' stories, training paths and leaders' figures.

- Stories: anyone signed in writes one. An unpublished story is read by its author and
  by coordinators (of any program, who curate the knowledge base it goes into); to
  everyone else it answers as missing. Only the author edits, approves, takes a
  suggestion and consents to a group; only a coordinator suggests edits and publishes,
  and only text its author approved. A published story is read by everyone signed in;
  its author or a coordinator withdraws it.
- Training paths: a program's coordinators assemble them; the program's mentors read
  them and keep their own progress. A mentor's reflection is read by nobody else.
- Leaders' figures: each leader reads their own. A program's figures are read by the
  organisation's administrators and that program's coordinators, and only while the
  program has turned them on; to anyone else the program answers as missing.
"""

from __future__ import annotations

from companion.accounts import policy as accounts_policy
from companion.accounts.models import Role
from companion.accounts.principal import Principal, System
from companion.errors import NotFound, PermissionDenied
from companion.guidance import policy as kb_policy
from companion.leadership.models import Story, StoryStatus
from companion.programs import policy as program_policy


def story_not_found(story_id: int) -> NotFound:
    return NotFound(f"No story with id {story_id}.")


def path_not_found(path_id: int) -> NotFound:
    return NotFound(f"No training path with id {path_id}.")


def is_author(principal: Principal, story: Story) -> bool:
    return not isinstance(principal, System) and principal.id == story.author_id


def may_write(principal: Principal) -> bool:
    return not isinstance(principal, System) and principal.is_active


def require_writer(principal: Principal) -> None:
    if not may_write(principal):
        raise PermissionDenied("Only a signed-in person writes a story.")


def may_publish(principal: Principal) -> bool:
    """Coordinators curate the knowledge base a published story goes into."""
    return kb_policy.may_curate(principal)


def may_read_story(principal: Principal, story: Story) -> bool:
    if story.status == StoryStatus.published:
        return kb_policy.may_read(principal)
    return is_author(principal, story) or may_publish(principal)


def require_reader(principal: Principal, story: Story) -> None:
    if not may_read_story(principal, story):
        raise story_not_found(story.id)


def require_author(principal: Principal, story: Story) -> None:
    require_reader(principal, story)
    if not is_author(principal, story):
        raise PermissionDenied("Only the story's author may do this.")


def require_publisher(principal: Principal, story: Story) -> None:
    require_reader(principal, story)
    if not may_publish(principal):
        raise PermissionDenied("Only a coordinator may do this.")


def require_withdrawer(principal: Principal, story: Story) -> None:
    require_reader(principal, story)
    if not (is_author(principal, story) or may_publish(principal)):
        raise PermissionDenied("Only the story's author or a coordinator withdraws it.")


def may_coordinate(principal: Principal, program_id: int) -> bool:
    return program_policy.may_coordinate(program_id=program_id, principal=principal)


def is_mentor_in(principal: Principal, program_id: int) -> bool:
    if isinstance(principal, System):
        return False
    return any(
        a.role == Role.mentor and a.program_id in (None, program_id) for a in principal.roles
    )


def may_read_path(principal: Principal, program_id: int) -> bool:
    return may_coordinate(principal, program_id) or is_mentor_in(principal, program_id)


def require_path_reader(principal: Principal, path_id: int, program_id: int) -> None:
    if not may_read_path(principal, program_id):
        raise path_not_found(path_id)


def require_path_builder(principal: Principal, program_id: int) -> None:
    if not may_coordinate(principal, program_id):
        if program_policy.may_read(program_id=program_id, principal=principal):
            raise PermissionDenied("Only a coordinator of this program assembles training paths.")
        raise program_policy.program_not_found(program_id)


def require_trainee(principal: Principal, path_id: int, program_id: int) -> None:
    require_path_reader(principal, path_id, program_id)
    if not is_mentor_in(principal, program_id):
        raise PermissionDenied("Only the program's mentors keep progress on its paths.")


def may_read_figures(principal: Principal, program_id: int) -> bool:
    """Administrators and this program's coordinators: said once, for the view and the switch."""
    return accounts_policy.is_admin(principal) or may_coordinate(principal, program_id)


def require_figures_reader(principal: Principal, program_id: int) -> None:
    if not may_read_figures(principal, program_id):
        raise program_policy.program_not_found(program_id)
