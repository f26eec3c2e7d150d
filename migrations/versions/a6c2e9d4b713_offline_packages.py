"""Offline packages of curricula and modules

Revision ID: a6c2e9d4b713
Revises: f2b8c4d6e1a3
Create Date: 2026-12-02 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a6c2e9d4b713"
down_revision = "f2b8c4d6e1a3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "offline_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("labels_key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_offline_packages_item_id_items"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_offline_packages_requested_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_packages")),
        sa.UniqueConstraint("token", name=op.f("uq_offline_packages_token")),
    )
    with op.batch_alter_table("offline_packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offline_packages_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_offline_packages_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offline_packages_labels_key"), ["labels_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_offline_packages_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("offline_packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offline_packages_status"))
        batch_op.drop_index(batch_op.f("ix_offline_packages_labels_key"))
        batch_op.drop_index(batch_op.f("ix_offline_packages_item_id"))
        batch_op.drop_index(batch_op.f("ix_offline_packages_created_at"))
    op.drop_table("offline_packages")
