"""Organisation names in other languages

Revision ID: b7d2e4f6a813
Revises: e7b2c4a9d153
Create Date: 2026-12-02 14:05:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "b7d2e4f6a813"
down_revision = "e7b2c4a9d153"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_translations", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True))


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("name_translations")
