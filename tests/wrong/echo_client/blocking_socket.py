"""Plain blocking sockets in a coroutine: the event loop (and everything else on it) stops while each waits."""

import socket

CAUGHT_IN = "concurrency"


async def echo_all(host, port, messages):
    replies = []
    for message in messages:
        with socket.create_connection((host, port)) as sock:
            sock.sendall(message.encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(1024)
                if not chunk:
                    break
                data += chunk
            replies.append(data.decode()[:-1])
    return replies
