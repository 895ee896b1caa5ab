"""Artisans (nghệ nhân): people, so nothing of them is public without their recorded consent."""
