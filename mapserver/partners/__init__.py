"""Partner systems: API keys with a rate limit each and their usage counts."""
