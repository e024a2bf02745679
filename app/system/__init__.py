"""Service health and other endpoints that belong to no domain concept."""
