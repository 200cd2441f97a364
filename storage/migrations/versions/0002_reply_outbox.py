"""reply outbox: the replies a handled update still owes, kept with its receipt; a user's chat
is their private chat (a group's id recorded at a first contact in a group is corrected)

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handled_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("replies", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("sent", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("attempts", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("next_attempt_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_handled_updates_next_attempt_at", ["next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_handled_updates_chat_id", ["chat_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("replies_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("replies_pending")
    with op.batch_alter_table("handled_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_handled_updates_chat_id")
        batch_op.drop_index("ix_handled_updates_next_attempt_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("sent")
        batch_op.drop_column("replies")
        batch_op.drop_column("chat_id")
