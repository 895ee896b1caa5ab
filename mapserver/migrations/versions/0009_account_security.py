"""Account security: login throttling shared by every app server, and API tokens that expire.

* `login_attempts`: one row per throttled key, ``account:<name>`` or ``address:<client ip>``:
  failures in the current window, when the last one was, until when the key is locked out
  (exponential back-off, see mapserver.accounts.throttle) and when the row may be forgotten.
* `api_tokens.expires_at` becomes mandatory. API tokens created before this revision had none:
  they now expire 365 days after their creation, but never sooner than 30 days from the upgrade,
  so that no client breaks on the day of the upgrade.
* Surveyors see only their own survey batches and scans: indexes on who uploaded them.

Revision ID: 0009
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE login_attempts (
    key text PRIMARY KEY CHECK (length(key) <= 300),
    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_failure_at timestamptz,
    locked_until timestamptz,
    forget_at timestamptz NOT NULL DEFAULT now() + interval '1 hour'
);
CREATE INDEX login_attempts_forget_idx ON login_attempts (forget_at);

UPDATE api_tokens SET expires_at = greatest(created_at + interval '365 days', now() + interval '30 days')
WHERE expires_at IS NULL;
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

CREATE INDEX survey_batches_uploaded_by_idx ON survey_batches (uploaded_by);
CREATE INDEX scans_created_by_idx ON scans (created_by);
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX scans_created_by_idx;
DROP INDEX survey_batches_uploaded_by_idx;
ALTER TABLE api_tokens ALTER COLUMN expires_at DROP NOT NULL;
DROP TABLE login_attempts;
""")
