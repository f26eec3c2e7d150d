"""Generation counter of the cached reader counts, shared by every worker

Revision ID: a9c3e5f7b2d4
Revises: a7c3e9d51b24
Create Date: 2026-12-02 13:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a9c3e5f7b2d4"
down_revision = "a7c3e9d51b24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "counts_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counts_generations")),
    )


def downgrade():
    op.drop_table("counts_generations")
