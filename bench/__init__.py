"""Backstep's benchmarks (issue 9): ``python -m bench`` / ``make bench``.

Every speed figure is a ratio against a baseline measured in the same invocation, or a count
that does not depend on the machine's speed; docs/benchmarks.md explains each one.
:func:`bench.cli.run` runs them from code (the smoke test does, at the ``tiny`` size).
"""
