"""Craft villages (làng nghề) with their recognition and their place (point or area)."""
