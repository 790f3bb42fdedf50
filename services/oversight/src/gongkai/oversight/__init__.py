"""Oversight: inspections of the bureau's units and periodic reports to the district disclosure office."""
