"""The measuring instrument of issue 8: ``python -m benchmarks`` (or ``make bench``).

One run measures every contender in interleaved rounds and prints medians and ratios to L, the
cost of the bare RSA check measured in the same run. See ``docs/performance.rst``.
"""
