"""Imports every ORM model module so that the metadata is complete (for Alembic)."""

from __future__ import annotations


def load_all_models() -> None:
    from companion.accounts import models as _accounts  # noqa: F401
    from companion.audit import models as _audit  # noqa: F401
    from companion.community import models as _community  # noqa: F401
    from companion.drafting import models as _drafting  # noqa: F401
    from companion.guidance import models as _kb  # noqa: F401
    from companion.identity import models as _identity  # noqa: F401
    from companion.jobs import models as _jobs  # noqa: F401
    from companion.leadership import models as _leadership  # noqa: F401
    from companion.matching import models as _matching  # noqa: F401
    from companion.notifications import models as _notifications  # noqa: F401
    from companion.participants import models as _participants  # noqa: F401
    from companion.programs import models as _programs  # noqa: F401
    from companion.relationships import models as _relationships  # noqa: F401
    from companion.review import models as _review  # noqa: F401
    from companion.rights import models as _rights  # noqa: F401
