"""The organisation tree: regions, departments, halls and windows, and who supervises whom."""
