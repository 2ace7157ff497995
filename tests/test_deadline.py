"""The socket deadline behind :class:`~flask_revstack_cognito.jwks.HTTPFetcher`, on its own."""

from __future__ import annotations

import socket

from flask_revstack_cognito.deadline import SocketDeadline


def test_expire_shuts_down_the_sockets_watched_so_far() -> None:
    deadline = SocketDeadline()
    ours, peer = socket.socketpair()
    with ours, peer:
        deadline.watch(ours)
        peer.sendall(b"x")
        assert ours.recv(1) == b"x"  # watching alone changes nothing

        deadline.expire()

        assert deadline.expired
        assert ours.recv(1) == b""  # a blocked or later read ends at once
        assert peer.recv(1) == b""  # and the other side sees the connection end


def test_a_socket_watched_after_the_deadline_is_shut_down_at_once() -> None:
    """A connection that completes after the deadline (a slow DNS answer) must not live on."""
    deadline = SocketDeadline()
    deadline.expire()
    ours, peer = socket.socketpair()
    with ours, peer:
        deadline.watch(ours)
        assert ours.recv(1) == b""
        assert peer.recv(1) == b""


def test_a_socket_closed_before_the_deadline_is_ignored() -> None:
    deadline = SocketDeadline()
    ours, peer = socket.socketpair()
    with peer:
        deadline.watch(ours)
        ours.close()
        deadline.expire()  # no OSError
    assert deadline.expired
