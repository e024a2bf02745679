"""Demo data: a small fictional province slice (`haochaping seed-demo`), replayed through the services."""
