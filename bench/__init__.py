"""Benchmarks of every hot path against a baseline measured in the same run.

Run from the repo root: ``python -m bench [--quick] [--json PATH]``.
"""
