"""Measurements beyond the test suite.

Verification speed: ``python -m benchmarks`` (``make bench``). Load with a JWKS outage:
``python -m benchmarks.load_outage`` (``make load``). See ``docs/performance.rst`` and
``docs/security.rst``.
"""
