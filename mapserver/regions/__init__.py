"""Administrative units and the province outline: /api/boundary, the outline used to check
uploaded positions and drawn on maps."""
