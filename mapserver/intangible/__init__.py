"""Intangible heritage elements (di sản văn hóa phi vật thể): the national elements and their places."""
