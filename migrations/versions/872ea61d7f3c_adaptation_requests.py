"""Adaptation requests: asking an owner academy for permission to adapt an item

Revision ID: 872ea61d7f3c
Revises: a6c2e9d4b713
Create Date: 2026-12-02 12:38:35.128359

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '872ea61d7f3c'
down_revision = "a6c2e9d4b713"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('adaptation_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('copy_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['copy_id'], ['items.id'], name=op.f('fk_adaptation_requests_copy_id_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_adaptation_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_adaptation_requests_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_adaptation_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_adaptation_requests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adaptation_requests'))
    )
    with op.batch_alter_table('adaptation_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adaptation_requests_copy_id'), ['copy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adaptation_requests_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adaptation_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adaptation_requests_status'), ['status'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adaptation_request_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_adaptation_request_id_adaptation_requests'), 'adaptation_requests', ['adaptation_request_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_adaptation_request_id_adaptation_requests'), type_='foreignkey')
        batch_op.drop_column('adaptation_request_id')

    with op.batch_alter_table('adaptation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adaptation_requests_status'))
        batch_op.drop_index(batch_op.f('ix_adaptation_requests_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_adaptation_requests_item_id'))
        batch_op.drop_index(batch_op.f('ix_adaptation_requests_copy_id'))

    op.drop_table('adaptation_requests')
