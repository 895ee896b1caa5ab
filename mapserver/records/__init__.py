"""Rules every kind of record shares, written once: the audit log entry and what the public may
see (publication). A new kind of record uses these instead of writing its own."""
