"""SQL of users, API tokens, sign-in sessions (tokens are stored as SHA-256 hashes only) and sign-in
throttling (login_attempts, see accounts.throttle)."""

from __future__ import annotations

INSERT_USER = "INSERT INTO users (name, role, password_hash) VALUES (%s, %s, %s) RETURNING id"
INSERT_API_TOKEN = """
INSERT INTO api_tokens (user_id, token_hash, kind, label, expires_at)
VALUES (%s, %s, 'api', %s, now() + make_interval(days => %s))
RETURNING id, expires_at
"""
INSERT_SESSION = """
INSERT INTO api_tokens (user_id, token_hash, kind, expires_at)
VALUES (%s, %s, 'session', now() + make_interval(hours => %s))
"""
# Disabled users and expired tokens find nobody: the request is refused (401).
USER_BY_TOKEN = """
UPDATE api_tokens t SET last_used_at = now()
FROM users u
WHERE t.token_hash = %s AND u.id = t.user_id AND NOT u.disabled AND t.expires_at > now()
RETURNING u.id, u.name, u.role
"""
DELETE_SESSION = "DELETE FROM api_tokens WHERE token_hash = %s AND kind = 'session'"
PASSWORD_OF = "SELECT id, password_hash FROM users WHERE name = %s AND NOT disabled"
LIST_USERS = """
SELECT coalesce(json_agg(json_build_object('name', name, 'role', role, 'disabled', disabled,
                                           'created_at', created_at) ORDER BY name), '[]')::text
FROM users
"""

# -- an administrator's commands: tokens of a user, revoking them, disabling the user -------------------------
USER_ID = "SELECT id FROM users WHERE name = %s"
TOKENS_OF = """
SELECT t.id, t.kind, t.label, t.created_at, t.last_used_at, t.expires_at
FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.name = %s ORDER BY t.id
"""
# Without a token id (NULL) every token of the user goes.
REVOKE = """
DELETE FROM api_tokens t USING users u
WHERE u.id = t.user_id AND u.name = %(name)s AND (%(token_id)s::bigint IS NULL OR t.id = %(token_id)s::bigint)
RETURNING t.id
"""
SET_DISABLED = "UPDATE users SET disabled = %s WHERE name = %s RETURNING id"
# A disabled user's browser sessions end at once; API tokens stay, refused until the user is enabled.
END_SESSIONS = "DELETE FROM api_tokens WHERE user_id = %s AND kind = 'session'"

# -- sign-in throttling ----------------------------------------------------------------------------------------
LOGIN_ENSURE_ROW = "INSERT INTO login_attempts (key) VALUES (%s) ON CONFLICT (key) DO NOTHING"
LOGIN_LOCK_ROW = "SELECT failures, last_failure_at, locked_until, now() FROM login_attempts WHERE key = %s FOR UPDATE"
LOGIN_COUNT = (
    "UPDATE login_attempts SET failures = %s, last_failure_at = %s, locked_until = %s, forget_at = %s WHERE key = %s"
)
LOGIN_FORGET = "DELETE FROM login_attempts WHERE key = %s"
# A success takes back its own count, and the lockout that count started (unless changed since).
LOGIN_TAKE_BACK = """
UPDATE login_attempts SET failures = greatest(failures - 1, 0),
       locked_until = CASE WHEN locked_until IS NOT DISTINCT FROM %s::timestamptz THEN %s::timestamptz
                           ELSE locked_until END
WHERE key = %s
"""
LOGIN_FORGET_STALE = """
DELETE FROM login_attempts WHERE key IN (
    SELECT key FROM login_attempts WHERE forget_at < now() LIMIT 1000 FOR UPDATE SKIP LOCKED)
"""
