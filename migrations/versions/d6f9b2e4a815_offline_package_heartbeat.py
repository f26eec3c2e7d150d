"""Offline packages: a build's heartbeat (a dead build is failed, not left building)

Revision ID: d6f9b2e4a815
Revises: c5e8a1d3f702
Create Date: 2026-12-02 16:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "d6f9b2e4a815"
down_revision = "c5e8a1d3f702"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("offline_packages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("offline_packages", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
