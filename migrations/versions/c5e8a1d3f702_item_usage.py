"""Usage statistics: views and downloads per item, month and viewing academy's country

Revision ID: c5e8a1d3f702
Revises: c4e8a2d6f913
Create Date: 2026-12-02 16:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5e8a1d3f702"
down_revision = "c4e8a2d6f913"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_usage",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", "month", "country"),
    )
    with op.batch_alter_table("item_usage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_usage_month"), ["month"], unique=False)
    # The downloads counted so far have no month: they stay in item_downloads (the
    # catalogue's order), and the monthly figures start now.


def downgrade():
    with op.batch_alter_table("item_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_usage_month"))
    op.drop_table("item_usage")
