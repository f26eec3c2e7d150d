"""sharing agreements, access requests, item policies, notifications, reader expiry

Revision ID: c5e81f0a7d13
Revises: 467d534b374c
Create Date: 2026-11-29 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c5e81f0a7d13'
down_revision = '467d534b374c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('item_readers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_item_readers_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_readers_expires_at'), ['expires_at'], unique=False)

    op.create_table('sharing_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sharing_agreements_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['organisations.id'], name=op.f('fk_sharing_agreements_owner_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['organisations.id'], name=op.f('fk_sharing_agreements_partner_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_sharing_agreements_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agreements'))
    )
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_agreements_owner_id'), ['owner_id'], unique=False)

    op.create_table('access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_access_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_access_requests_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_access_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_requests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_requests'))
    )
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_requests_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_requests_status'), ['status'], unique=False)

    op.create_table('item_policies',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('marking', sa.String(length=40), nullable=True),
    sa.Column('files_access', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_policies_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_item_policies'))
    )

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_notifications_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['access_requests.id'], name=op.f('fk_notifications_request_id_access_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('shared_visits',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('new_since', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_shared_visits_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_shared_visits'))
    )


def downgrade():
    op.drop_table('shared_visits')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
    op.drop_table('notifications')
    op.drop_table('item_policies')
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_requests_status'))
        batch_op.drop_index(batch_op.f('ix_access_requests_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_access_requests_item_id'))
    op.drop_table('access_requests')
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_agreements_owner_id'))
    op.drop_table('sharing_agreements')
    with op.batch_alter_table('item_readers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_readers_expires_at'))
        batch_op.drop_index(batch_op.f('ix_item_readers_created_at'))
        batch_op.drop_column('expires_at')
        batch_op.drop_column('created_at')
