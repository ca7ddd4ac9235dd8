"""leaders' stories, mentor training paths and progress, the accountability switch

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from companion.db.base import UTCDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _status(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "leader_stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("form", _status("storyform", "written", "video_transcript"), nullable=False),
        sa.Column(
            "status",
            _status("storystatus", "draft", "approved", "published", "withdrawn"),
            nullable=False,
        ),
        sa.Column("approved_hash", sa.String(length=64), nullable=True),
        sa.Column("approved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("suggested_body", sa.Text(), nullable=True),
        sa.Column("suggestion_note", sa.Text(), nullable=False),
        sa.Column("suggested_by", sa.String(length=320), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=320), nullable=True),
        sa.Column("consented_group", sa.String(length=100), nullable=True),
        sa.Column("group_consented_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_leader_stories_author_id", "leader_stories", ["author_id"])
    op.create_table(
        "training_paths",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_training_paths_program_id", "training_paths", ["program_id"])
    op.create_table(
        "training_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("doc_id", sa.String(length=200), nullable=False),
        sa.Column("section", sa.String(length=1000), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["path_id"], ["training_paths.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_training_steps_path_id", "training_steps", ["path_id"])
    op.create_table(
        "training_step_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["step_id"], ["training_steps.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("step_id", "user_id"),
    )
    op.create_index("ix_training_step_progress_step_id", "training_step_progress", ["step_id"])
    op.create_index("ix_training_step_progress_user_id", "training_step_progress", ["user_id"])
    op.create_table(
        "training_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["path_id"], ["training_paths.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("path_id", "user_id"),
    )
    op.create_index("ix_training_completions_path_id", "training_completions", ["path_id"])
    op.create_index("ix_training_completions_user_id", "training_completions", ["user_id"])
    op.create_table(
        "leader_accountability",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("turned_on", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=320), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("program_id"),
    )


def downgrade() -> None:
    op.drop_table("leader_accountability")
    op.drop_table("training_completions")
    op.drop_table("training_step_progress")
    op.drop_table("training_steps")
    op.drop_table("training_paths")
    op.drop_table("leader_stories")
