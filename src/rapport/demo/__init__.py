"""Synthetic CRM data with a known ground truth, for demos, tests and benchmarks."""
