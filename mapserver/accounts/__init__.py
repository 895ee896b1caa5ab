"""Accounts and roles: password and token hashing, sign-in sessions, role checks (FastAPI
dependencies), the sign-in pages and the admin's user list."""
