"""The edit history of items

Revision ID: a7e3c9d2b481
Revises: 872ea61d7f3c
Create Date: 2026-12-02 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a7e3c9d2b481"
down_revision = "872ea61d7f3c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("restored_from_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_item_changes_item_id_items"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_item_changes_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["restored_from_id"], ["item_changes.id"],
                                name=op.f("fk_item_changes_restored_from_id_item_changes"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_changes")),
    )
    with op.batch_alter_table("item_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_changes_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_changes_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("item_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_changes_user_id"))
        batch_op.drop_index(batch_op.f("ix_item_changes_item_id"))
    op.drop_table("item_changes")
