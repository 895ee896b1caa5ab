"""3D Tiles delivery from the store: /tiles/{scan}/v{version}/… with strong ETags, ranges, CORS and
immutable caching. Which versions are public is asked of scans.queries."""
