"""community: questions, answers, suggestions, helpers, code of conduct, reports, blocks

Revision ID: 0025
Revises: 0020
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from companion.db.base import UTCDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(name: str, ondelete: str, nullable: bool = True) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("users.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "community_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_of_conduct", sa.Text(), nullable=False),
        sa.Column("conduct_version", sa.Integer(), nullable=False),
        sa.Column("organisation_wide", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "community_conduct_acceptances",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("user_id", "CASCADE", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", name="uq_community_conduct_acceptances_user_id"),
    )
    op.create_table(
        "community_helpers",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("user_id", "CASCADE", nullable=False),
        sa.Column("helps_with", sa.Text(), nullable=False),
        sa.Column("opted_in_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", name="uq_community_helpers_user_id"),
    )
    op.create_table(
        "community_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "program_id",
            sa.Integer(),
            sa.ForeignKey("programs.id", ondelete="CASCADE"),
            nullable=True,
        ),
        _user("author_id", "SET NULL"),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("helpful_answer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_community_questions_scope", "community_questions", ["program_id", "created_at"]
    )
    op.create_index("ix_community_questions_author_id", "community_questions", ["author_id"])
    op.create_table(
        "community_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("community_questions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("author_id", "SET NULL"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column(
            "draft_id", sa.Integer(), sa.ForeignKey("drafts.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("disclosure", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "community_guide_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("community_questions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "draft_id", sa.Integer(), sa.ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("draft_id", name="uq_community_guide_drafts_draft_id"),
    )
    op.create_index(
        "ix_community_guide_drafts_question_id", "community_guide_drafts", ["question_id"]
    )
    op.create_index("ix_community_answers_question_id", "community_answers", ["question_id"])
    op.create_index("ix_community_answers_author_id", "community_answers", ["author_id"])
    op.create_table(
        "community_suggestions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("community_questions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("user_id", "CASCADE", nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.UniqueConstraint(
            "question_id", "user_id", name="uq_community_suggestions_question_id_user_id"
        ),
    )
    op.create_index(
        "ix_community_suggestions_question_id", "community_suggestions", ["question_id"]
    )
    op.create_index("ix_community_suggestions_user_id", "community_suggestions", ["user_id"])
    op.create_table(
        "community_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("reporter_id", "SET NULL"),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column(
            "program_id",
            sa.Integer(),
            sa.ForeignKey("programs.id", ondelete="CASCADE"),
            nullable=True,
        ),
        _user("offender_id", "SET NULL"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        _user("resolved_by", "SET NULL"),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_community_reports_open", "community_reports", ["status", "created_at"])
    op.create_index("ix_community_reports_reporter_id", "community_reports", ["reporter_id"])
    op.create_index("ix_community_reports_program_id", "community_reports", ["program_id"])
    op.create_index("ix_community_reports_offender_id", "community_reports", ["offender_id"])
    op.create_table(
        "community_warnings",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("user_id", "CASCADE", nullable=False),
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("community_reports.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_community_warnings_user_id", "community_warnings", ["user_id"])
    op.create_table(
        "community_blocks",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("blocker_id", "CASCADE", nullable=False),
        _user("blocked_id", "CASCADE", nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "blocker_id", "blocked_id", name="uq_community_blocks_blocker_id_blocked_id"
        ),
    )
    op.create_index("ix_community_blocks_blocker_id", "community_blocks", ["blocker_id"])
    op.create_index("ix_community_blocks_blocked_id", "community_blocks", ["blocked_id"])


def downgrade() -> None:
    for table in (
        "community_blocks",
        "community_warnings",
        "community_reports",
        "community_suggestions",
        "community_guide_drafts",
        "community_answers",
        "community_questions",
        "community_helpers",
        "community_conduct_acceptances",
        "community_settings",
    ):
        op.drop_table(table)
