"""``python -m example_app`` (``make demo``): run the demo until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import logging
import os
import signal
import threading

from .demo import DemoStack


def main() -> None:
    """Start the stack, print how to use it, and stop everything on Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's and the app's access logs
    stopping = threading.Event()
    # Installed explicitly: a shell that starts the demo in the background ignores SIGINT.
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    stack = DemoStack(port=int(os.environ.get("DEMO_PORT", "5000"))).start()
    try:
        print(stack.banner(), flush=True)
        stopping.wait()
        print("\nStopping the demo…", flush=True)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
