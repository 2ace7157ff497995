"""A throwaway ``redis-server`` on 127.0.0.1: no persistence, its own directory, stopped by us.

The tests and the benchmark start one; :meth:`RedisServer.stop` and :meth:`RedisServer.start`
again on the same port stand for a Redis outage and its end.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

#: Debian's server, installed by ``scripts/ensure-system-programs.sh``.
EXECUTABLE = "redis-server"


def free_port() -> int:
    """A loopback port nothing listens on now (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    """Whether a Redis on ``port`` answers ``PING``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """``redis-server`` on ``127.0.0.1``, started and stopped by its owner.

    :param port: the port; a free one by default, kept across :meth:`stop` and :meth:`start`.
    """

    def __init__(self, port: int | None = None) -> None:
        executable = shutil.which(EXECUTABLE)
        if executable is None:
            raise RuntimeError(
                f"{EXECUTABLE} is not installed: run scripts/ensure-system-programs.sh"
            )
        self.executable = executable
        self.port = port or free_port()
        self._directory = Path(tempfile.mkdtemp(prefix="revstack-redis-"))
        self._process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<RedisServer 127.0.0.1:{self.port} {'running' if self.running else 'stopped'}>"

    @property
    def url(self) -> str:
        """The ``redis://`` URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the process runs."""
        return self._process is not None and self._process.poll() is None

    def start(self, *, timeout: float = 20.0) -> RedisServer:
        """Start the server and wait until it answers ``PING``.

        :raises RuntimeError: when it exits or does not answer within ``timeout`` seconds.
        """
        if self.running:
            return self
        command = [self.executable, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self._directory)]
        command += ["--daemonize", "no", "--loglevel", "warning"]
        self._process = subprocess.Popen(  # noqa: S603 (a fixed program on PATH)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while not answers(self.port):
            if self._process.poll() is not None:
                error = self._process.stderr.read() if self._process.stderr else b""
                self._process = None
                raise RuntimeError(f"redis-server exited: {error.decode(errors='replace')}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop the server (its data is lost: nothing is persisted)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        shutil.rmtree(self._directory, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
