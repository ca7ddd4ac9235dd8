"""a session remembers who proposed its time, when, and when the time was confirmed

Sessions booked before this revision keep their status (`scheduled`), which now means
confirmed; the new columns stay empty for them.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from companion.db.base import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentoring_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("proposed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_mentoring_sessions_proposed_by_id_participants"),
            "participants",
            ["proposed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    # A proposal has no place in the older schema: it becomes the cancelled session it
    # would have been had nobody answered.
    op.execute(
        sa.text(
            "UPDATE mentoring_sessions SET status = 'cancelled' "
            "WHERE status IN ('proposed', 'declined')"
        )
    )
    with op.batch_alter_table("mentoring_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_mentoring_sessions_proposed_by_id_participants"), type_="foreignkey"
        )
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("proposed_at")
        batch_op.drop_column("proposed_by_id")
