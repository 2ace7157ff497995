"""``python -m example_app`` (``make demo``): run the demo until Ctrl-C."""

from __future__ import annotations

import logging
import os
import threading

from .demo import DemoStack


def main() -> None:
    """Start the stack, print how to use it, and stop everything on Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's and the app's access logs
    stack = DemoStack(port=int(os.environ.get("DEMO_PORT", "5000"))).start()
    print(stack.banner(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopping the demo…", flush=True)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
