"""drafts drafted from members-only material are hidden from coordinators

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("members_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Earlier drafts did not record what they were drafted from. Any that could quote
    # a pair's notes, actions or goals is treated as members-only: the mentor still
    # reviews it, and coordinators no longer see it.
    op.execute(
        "UPDATE drafts SET members_only = TRUE "
        "WHERE kind IN ('agenda', 'brief', 'feedback_prompts') AND relationship_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("members_only")
