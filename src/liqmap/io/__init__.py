"""Input/output: data files -> typed domain records, bracket tables, atomic writes."""
