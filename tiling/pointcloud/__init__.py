"""Point clouds → 3D Tiles 1.1: readers, georeferencing to a site frame, out-of-core octree."""
