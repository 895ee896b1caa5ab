"""Meshes → hierarchical-LOD 3D Tiles 1.1: readers, decimation, per-tile textures, quadtree HLOD."""
