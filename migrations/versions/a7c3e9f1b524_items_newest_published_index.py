"""Items: an index for the newest published items (state, published_at, id)

Revision ID: a7c3e9f1b524
Revises: d6f9b2e4a815
Create Date: 2026-12-03 14:20:00

"""
from alembic import op

revision = "a7c3e9f1b524"
down_revision = "d6f9b2e4a815"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_items_state_published", "items", ["state", "published_at", "id"])


def downgrade():
    op.drop_index("ix_items_state_published", table_name="items")
