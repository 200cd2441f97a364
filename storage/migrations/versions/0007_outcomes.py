"""outcomes: finished questionnaires (STarT Back, Roland-Morris) and the lessons each user was
given

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "questionnaire_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("subscale", sa.SmallInteger(), nullable=True),
        sa.Column("risk", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_questionnaire_results_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_results")),
    )
    op.create_index(op.f("ix_questionnaire_results_user_id"), "questionnaire_results", ["user_id"])
    op.create_table(
        "lessons_shown",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("lesson", sa.String(length=40), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lessons_shown_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "lesson", name=op.f("pk_lessons_shown")),
    )


def downgrade() -> None:
    op.drop_table("lessons_shown")
    op.drop_index(op.f("ix_questionnaire_results_user_id"), table_name="questionnaire_results")
    op.drop_table("questionnaire_results")
