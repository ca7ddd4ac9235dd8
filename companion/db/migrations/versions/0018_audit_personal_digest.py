"""audit events hash a digest of their personal fields, which erasure may then remove;
a program's data-rights settings (retention, self-erasure)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05

Until now an event's hash covered who did it by name (`actor_label`) and its
`data`. Erasing a person's data from the trail would then break the chain. From
this revision the hash covers `personal_digest`, the SHA-256 of those two fields,
and erasure replaces the fields while the digest stays.

Every existing event is hashed again in the new form, in chain order. The old
chain's head is recorded in a last event (`audit.rehashed`), with whether the old
chain verified, so an export taken before this revision can still be tied to the
new chain.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from companion.db.base import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64
OLD_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "subject_type",
    "subject_id",
    "program_id",
    "data",
    "prev_hash",
)
NEW_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "program_id",
    "personal_digest",
    "prev_hash",
)

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("occurred_at", UTCDateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("action", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.String),
    sa.column("program_id", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("personal_digest", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _hash(fields: dict[str, Any], names: tuple[str, ...]) -> str:
    canonical = {name: fields[name] for name in names}
    canonical["occurred_at"] = fields["occurred_at"].isoformat(timespec="microseconds")
    return hashlib.sha256(_canonical(canonical)).hexdigest()


def _digest(fields: dict[str, Any]) -> str:
    personal = {"actor_label": fields["actor_label"], "data": fields["data"]}
    return hashlib.sha256(_canonical(personal)).hexdigest()


def _rows() -> list[dict[str, Any]]:
    result = op.get_bind().execute(sa.select(events).order_by(events.c.seq))
    return [dict(row._mapping) for row in result]


def upgrade() -> None:
    op.create_table(
        "program_data_rights",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("retention", sa.JSON(), nullable=False),
        sa.Column("allow_self_erasure", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_data_rights_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_program_data_rights")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("redacted_at", UTCDateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    rows = _rows()
    old_intact = True
    expected_prev = GENESIS_HASH
    prev_hash = GENESIS_HASH
    for row in rows:
        old_intact &= row["prev_hash"] == expected_prev and _hash(row, OLD_FIELDS) == row["hash"]
        expected_prev = row["hash"]
        row["personal_digest"] = _digest(row)
        row["prev_hash"] = prev_hash
        prev_hash = _hash(row, NEW_FIELDS)
        bind.execute(
            events.update()
            .where(events.c.id == row["id"])
            .values(
                personal_digest=row["personal_digest"], prev_hash=row["prev_hash"], hash=prev_hash
            )
        )
    if rows:
        last = rows[-1]
        data = {
            "events": len(rows),
            "previous_head_hash": last["hash"],
            "previous_chain_intact": old_intact,
        }
        fields: dict[str, Any] = {
            "seq": last["seq"] + 1,
            "occurred_at": datetime.now(UTC),
            "actor_id": None,
            "actor_label": "migration 0018",
            "action": "audit.rehashed",
            "subject_type": "audit",
            "subject_id": "chain",
            "program_id": None,
            "data": data,
            "prev_hash": prev_hash,
        }
        fields["personal_digest"] = _digest(fields)
        bind.execute(events.insert().values(**fields, hash=_hash(fields, NEW_FIELDS)))
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("personal_digest", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    prev_hash = GENESIS_HASH
    for row in _rows():
        row["prev_hash"] = prev_hash
        prev_hash = _hash(row, OLD_FIELDS)
        bind.execute(
            events.update()
            .where(events.c.id == row["id"])
            .values(prev_hash=row["prev_hash"], hash=prev_hash)
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("redacted_at")
        batch_op.drop_column("personal_digest")
    op.drop_table("program_data_rights")
