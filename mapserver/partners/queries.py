"""SQL of partner keys: issue, count a request against the key's minute and day, list with usage,
revoke."""

from __future__ import annotations

INSERT = (
    "INSERT INTO partner_keys (name, contact, key_hash, per_minute, created_by) "
    "VALUES (%s, %s, %s, %s, %s) RETURNING id"
)
# One request of a live key in the current UTC minute: the minute's count after it, and the limit.
COUNT_MINUTE = """
WITH k AS (SELECT id, per_minute FROM partner_keys WHERE key_hash = %(hash)s AND revoked_at IS NULL),
m AS (
    INSERT INTO partner_usage (key_id, period, starts_at, requests)
    SELECT id, 'minute', date_trunc('minute', now()), 1 FROM k
    ON CONFLICT (key_id, period, starts_at) DO UPDATE SET requests = partner_usage.requests + 1
    RETURNING key_id, requests
)
SELECT k.id, k.per_minute, m.requests, extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now())
FROM k JOIN m ON m.key_id = k.id
"""
# The day's usage: served or refused.
COUNT_DAY = """
INSERT INTO partner_usage (key_id, period, starts_at, requests, refused)
VALUES (%(id)s, 'day', date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', %(served)s, %(refused)s)
ON CONFLICT (key_id, period, starts_at) DO UPDATE
SET requests = partner_usage.requests + EXCLUDED.requests, refused = partner_usage.refused + EXCLUDED.refused
"""
TOUCH = "UPDATE partner_keys SET last_used_at = now() WHERE id = %(id)s"
# Minute rows only serve the limit: a key's old ones go when it starts a new minute.
PRUNE_MINUTES = (
    "DELETE FROM partner_usage WHERE key_id = %(id)s AND period = 'minute' AND starts_at < now() - interval '2 days'"
)
LIST = """
SELECT k.id, k.name, k.contact, k.per_minute, k.created_at, k.revoked_at, k.last_used_at,
       coalesce(sum(u.requests) FILTER (WHERE u.starts_at >= date_trunc('day', now() AT TIME ZONE 'UTC')
                                                          AT TIME ZONE 'UTC'), 0) AS today,
       coalesce(sum(u.requests), 0) AS last_30_days,
       coalesce(sum(u.refused), 0) AS refused_30_days
FROM partner_keys k
LEFT JOIN partner_usage u ON u.key_id = k.id AND u.period = 'day' AND u.starts_at >= now() - interval '30 days'
GROUP BY k.id ORDER BY k.name
"""
REVOKE = "UPDATE partner_keys SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL RETURNING id"
