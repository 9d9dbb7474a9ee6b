"""Plain blocking sockets in the coroutine: the event loop stops while each reply is awaited."""

import socket

CAUGHT_IN = "concurrency"


def read_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


async def request_all(host, port, payloads, *, timeout, max_size):
    if not payloads:
        return []
    with socket.create_connection((host, port)) as sock:
        sock.settimeout(timeout)
        replies = []
        for payload in payloads:
            sock.sendall(len(payload).to_bytes(4, "big") + payload)
            size = int.from_bytes(read_exactly(sock, 4), "big")
            if size > max_size:
                raise ValueError(size)
            replies.append(read_exactly(sock, size))
        return replies
