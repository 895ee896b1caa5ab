"""GNSS survey uploads: read a surveyor's file, validate every row, convert through crs/ (EPSG:6960
pinned), and store points atomically with COPY. Web and CLI both call surveys.ingest."""
