"""Service items (政务服务事项) and service cases (办件)."""
