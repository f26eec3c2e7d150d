"""item language versions: items that are the same work in different languages

Revision ID: b7d41e2a9c05
Revises: e3a9f4b2c817
Create Date: 2026-11-29 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e2a9c05'
down_revision = 'e3a9f4b2c817'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('item_language_versions',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_language_versions_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_item_language_versions'))
    )
    with op.batch_alter_table('item_language_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_language_versions_group_id'), ['group_id'], unique=False)


def downgrade():
    with op.batch_alter_table('item_language_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_language_versions_group_id'))

    op.drop_table('item_language_versions')
