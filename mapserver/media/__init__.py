"""Media of every record: photos and scans (IIIF), video, sound, 3D models and panoramas."""
