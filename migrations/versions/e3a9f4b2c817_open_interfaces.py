"""Open interfaces: OAI-PMH tombstones and private feed tokens

Revision ID: e3a9f4b2c817
Revises: c5e81f0a7d13
Create Date: 2026-11-29 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e3a9f4b2c817"
down_revision = "c5e81f0a7d13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oai_tombstones",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_oai_tombstones")),
    )
    with op.batch_alter_table("oai_tombstones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oai_tombstones_deleted_at"), ["deleted_at"], unique=False)

    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_feed_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_tokens_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_tokens_user_id"))
    op.drop_table("feed_tokens")
    with op.batch_alter_table("oai_tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oai_tombstones_deleted_at"))
    op.drop_table("oai_tombstones")
