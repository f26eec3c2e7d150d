"""Download counts per item, for the catalogue's "most downloaded" order

Revision ID: b7d2e9a4c613
Revises: a8c3e5f71b24
Create Date: 2026-12-02 14:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b7d2e9a4c613"
down_revision = "a8c3e5f71b24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_downloads",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id"),
    )
    with op.batch_alter_table("item_downloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_downloads_count"), ["count"], unique=False)
    # The downloads recorded so far, from the audit log.
    op.execute(
        "INSERT INTO item_downloads (item_id, count) "
        "SELECT a.item_id, COUNT(*) FROM audit_events a JOIN items i ON i.id = a.item_id "
        "WHERE a.action = 'download' GROUP BY a.item_id"
    )


def downgrade():
    with op.batch_alter_table("item_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_downloads_count"))
    op.drop_table("item_downloads")
