"""API keys of partner systems (other provincial systems reading the open API): a key per partner
with its own rate limit, usage counted per day.

* `partner_keys`: the partner, a SHA-256 of its key (the key itself is shown once), requests allowed
  per minute, revocation.
* `partner_usage`: requests per key and UTC minute (the rate limit; kept two days) and per day (the
  usage counts staff and partners see; kept).

Revision ID: 0014
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE partner_keys (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._ -]{1,99}$'),
    contact text CHECK (length(contact) <= 300),
    key_hash text NOT NULL UNIQUE CHECK (length(key_hash) = 64),
    per_minute integer NOT NULL CHECK (per_minute BETWEEN 1 AND 100000),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    last_used_at timestamptz
);
CREATE TABLE partner_usage (
    key_id bigint NOT NULL REFERENCES partner_keys(id) ON DELETE CASCADE,
    period text NOT NULL CHECK (period IN ('minute', 'day')),
    starts_at timestamptz NOT NULL,
    requests integer NOT NULL DEFAULT 0,
    refused integer NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, period, starts_at)
);
""")


def downgrade() -> None:
    op.execute("DROP TABLE partner_usage; DROP TABLE partner_keys")
