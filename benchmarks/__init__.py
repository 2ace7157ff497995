"""Measurements beyond the test suite: verification speed (``python -m benchmarks``, ``make bench``)
and load with a JWKS outage (``python -m benchmarks.load_outage``, ``make load``).

See ``docs/performance.rst`` and ``docs/security.rst``.
"""
