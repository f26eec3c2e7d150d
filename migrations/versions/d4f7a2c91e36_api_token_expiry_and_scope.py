"""api token expiry and scope

Revision ID: d4f7a2c91e36
Revises: b7d41e2a9c05
Create Date: 2026-12-02 10:00:00.000000

Existing tokens keep working as before: no expiry, read and write.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f7a2c91e36'
down_revision = 'b7d41e2a9c05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('scope', sa.String(length=10), server_default='write', nullable=False))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scope')
        batch_op.drop_column('expires_at')
