"""Maintainer scripts and the helpers that tests and benchmarks share (`tools.book`, `tools.idx`)."""
