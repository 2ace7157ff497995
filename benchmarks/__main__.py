"""``python -m benchmarks [--quick]``: run every measurement and print the table."""

from __future__ import annotations

import sys

from .runner import main

if __name__ == "__main__":  # spawned minting workers import this module too
    sys.exit(main(sys.argv[1:]))
