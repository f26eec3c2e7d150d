"""Several files per material: material_files, and file_versions.file_id

Every item that has file versions gets one file (role "other", the item's language)
holding all its versions in their order. Version numbers become unique per file.

Revision ID: a8c3e5f1d2b4
Revises: a9c3e5f7b2d4
Create Date: 2026-12-02 12:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a8c3e5f1d2b4"
down_revision = "a9c3e5f7b2d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "material_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_material_files_item_id_items"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_files")),
    )
    with op.batch_alter_table("material_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_material_files_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("file_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_id", sa.Integer(), nullable=True))

    # One file per item with versions; its creation time is the first upload's.
    op.execute(
        "INSERT INTO material_files (item_id, role, language, position, title, created_at) "
        "SELECT v.item_id, 'other', i.language, 0, NULL, MIN(v.uploaded_at) "
        "FROM file_versions v JOIN items i ON i.id = v.item_id GROUP BY v.item_id, i.language"
    )
    op.execute(
        "UPDATE file_versions SET file_id = "
        "(SELECT f.id FROM material_files f WHERE f.item_id = file_versions.item_id)"
    )

    with op.batch_alter_table("file_versions", schema=None) as batch_op:
        batch_op.alter_column("file_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_file_versions_item_id", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_file_versions_file_id"), ["file_id", "number"])
        batch_op.create_foreign_key(batch_op.f("fk_file_versions_file_id_material_files"), "material_files",
                                    ["file_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_file_versions_file_id"), ["file_id"], unique=False)


def downgrade():
    # Back to one history per item: versions are renumbered in upload order across files.
    op.execute(
        "UPDATE file_versions SET number = "
        "(SELECT COUNT(*) FROM file_versions w WHERE w.item_id = file_versions.item_id AND w.id <= file_versions.id)"
        " + 1000000"
    )
    op.execute("UPDATE file_versions SET number = number - 1000000")
    with op.batch_alter_table("file_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_versions_file_id"))
        batch_op.drop_constraint(batch_op.f("fk_file_versions_file_id_material_files"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_file_versions_file_id"), type_="unique")
        batch_op.create_unique_constraint("uq_file_versions_item_id", ["item_id", "number"])
        batch_op.drop_column("file_id")
    with op.batch_alter_table("material_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_files_item_id"))
    op.drop_table("material_files")
