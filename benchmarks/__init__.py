"""Benchmarks and the synthetic report generator (see README.md here)."""
