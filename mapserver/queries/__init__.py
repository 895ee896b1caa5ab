"""SQL for the APIs, built from typed queries with psycopg.sql: values are always parameters."""
