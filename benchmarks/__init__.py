"""Performance targets of the issues, run on demand with ``make bench`` (``python -m benchmarks``)."""
