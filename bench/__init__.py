"""Rapport's benchmarks; run with ``python -m bench --help``. Results go to docs/performance.md."""
