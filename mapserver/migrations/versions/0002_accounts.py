"""Accounts: users with roles, hashed API/session tokens.

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9._@-]{2,64}$'),
    role text NOT NULL CHECK (role IN ('surveyor', 'editor', 'admin')),
    password_hash text,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- SHA-256 of a 256-bit random token: the token itself is shown once and never stored.
    token_hash text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('api', 'session')),
    label text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
""")


def downgrade() -> None:
    op.execute("DROP TABLE api_tokens, users")
