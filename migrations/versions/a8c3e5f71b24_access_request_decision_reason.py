"""The reason given when an access request is refused

Revision ID: a8c3e5f71b24
Revises: a9c3e5f71b24
Create Date: 2026-12-02 13:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a8c3e5f71b24"
down_revision = "a9c3e5f71b24"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_column("decision_reason")
