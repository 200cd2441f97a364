"""live card: a dialog's unused message_id becomes card_message_id, the one message of the
dialog whose buttons are live (the bot removes them when the dialog leaves that card)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dialogs", schema=None) as batch_op:
        batch_op.alter_column("message_id", new_column_name="card_message_id")


def downgrade() -> None:
    with op.batch_alter_table("dialogs", schema=None) as batch_op:
        batch_op.alter_column("card_message_id", new_column_name="message_id")
