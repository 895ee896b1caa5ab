"""The public relics' change mark: every statement that writes `sites` or `admin_units` (the two
tables a public relic page is read from) stamps `public_epoch` with its transaction id, so an app
server can keep computed pages and know, with one indexed read, whether they still hold.

A transaction id rather than a counter: ids only grow in a cluster, so a restored backup brings
back the mark of the state it restores, never a mark that a different state once had.

Revision ID: 0017
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE public_epoch (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    mark bigint NOT NULL
);
INSERT INTO public_epoch (mark) VALUES (pg_current_xact_id()::text::bigint);
CREATE FUNCTION stamp_public_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public_epoch SET mark = pg_current_xact_id()::text::bigint;
    RETURN NULL;
END $$;
CREATE TRIGGER sites_stamp_public_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sites
    FOR EACH STATEMENT EXECUTE FUNCTION stamp_public_epoch();
CREATE TRIGGER admin_units_stamp_public_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON admin_units
    FOR EACH STATEMENT EXECUTE FUNCTION stamp_public_epoch();
""")


def downgrade() -> None:
    op.execute("""
DROP TRIGGER admin_units_stamp_public_epoch ON admin_units;
DROP TRIGGER sites_stamp_public_epoch ON sites;
DROP FUNCTION stamp_public_epoch();
DROP TABLE public_epoch;
""")
