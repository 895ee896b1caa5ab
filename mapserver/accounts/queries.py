"""SQL of users, API tokens and sign-in sessions (tokens are stored as SHA-256 hashes only)."""

from __future__ import annotations

INSERT_USER = "INSERT INTO users (name, role, password_hash) VALUES (%s, %s, %s) RETURNING id"
INSERT_API_TOKEN = "INSERT INTO api_tokens (user_id, token_hash, kind, label) VALUES (%s, %s, 'api', 'cli')"
INSERT_SESSION = """
INSERT INTO api_tokens (user_id, token_hash, kind, expires_at)
VALUES (%s, %s, 'session', now() + make_interval(hours => %s))
"""
USER_BY_TOKEN = """
UPDATE api_tokens t SET last_used_at = now()
FROM users u
WHERE t.token_hash = %s AND u.id = t.user_id AND NOT u.disabled
  AND (t.expires_at IS NULL OR t.expires_at > now())
RETURNING u.id, u.name, u.role
"""
PASSWORD_OF = "SELECT id, password_hash FROM users WHERE name = %s AND NOT disabled"
LIST_USERS = """
SELECT coalesce(json_agg(json_build_object('name', name, 'role', role, 'disabled', disabled,
                                           'created_at', created_at) ORDER BY name), '[]')::text
FROM users
"""
