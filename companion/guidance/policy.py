"""Who may read and who may curate the knowledge base: every guidance check.

- Anyone signed in (an active account: mentor, mentee, coordinator, administrator)
  searches the knowledge base and reads its guides, read-only.
- A retired guide is left out of search, lists and drafts for readers, but still
  opens from a citation already made of it; curators list it, to restore it.
- Coordinators (of any program or of all) and the System curate: upload, retire,
  restore and delete guides.
- A reader who may not read gets the NotFound of a missing guide.
"""

from __future__ import annotations

from companion.accounts.models import Role
from companion.accounts.principal import Principal, System
from companion.errors import NotFound, PermissionDenied


def guide_not_found(doc_id: str) -> NotFound:
    return NotFound(f"No knowledge-base document with id {doc_id!r}.")


def may_read(principal: Principal) -> bool:
    return isinstance(principal, System) or principal.is_active


def may_curate(principal: Principal) -> bool:
    if isinstance(principal, System):
        return True
    return may_read(principal) and any(a.role == Role.coordinator for a in principal.roles)


def require_reader(principal: Principal, doc_id: str | None = None) -> None:
    if not may_read(principal):
        raise guide_not_found(doc_id or "")


def require_curator(principal: Principal) -> None:
    """Curating is an action, refused as such (403) to readers who may not curate."""
    if not may_curate(principal):
        raise PermissionDenied("Only coordinators may curate the knowledge base.")


def lists_retired(principal: Principal) -> bool:
    """Whether lists show retired guides (curators, to restore them)."""
    return may_curate(principal)
