"""drafts: the version people are shown and the newer draft that superseded one;
participants: the profile fields they share with the other members of their relationships

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shown_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_drafts_superseded_by_id_drafts",
            "drafts",
            ["superseded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shared_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("shared_fields")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_drafts_superseded_by_id_drafts", type_="foreignkey")
        batch_op.drop_column("superseded_by_id")
        batch_op.drop_column("shown_version")
