"""Kata: a client for a framed binary protocol.

TCP carries a stream of bytes, not messages: what one side writes in one call can arrive in several pieces, or
glued to what follows. Binary protocols mark where each message ends by putting its length first: here every
frame is a 4-byte big-endian unsigned length (`struct.pack(">I", len(payload))`, or
`len(payload).to_bytes(4, "big")`), then exactly that many bytes. `await reader.readexactly(n)` waits until n
bytes have arrived, however they were cut, and raises `asyncio.IncompleteReadError` if the connection ends first.

A client at the edge of a system also defends itself: it bounds how long it waits (a server that stops answering
must not hang it), how much it accepts (a length of 4 GB in a header is an attack or a bug, and reading it
would exhaust memory), and it closes its connection whatever happens.
"""

import asyncio
import contextlib


async def request_all(host, port, payloads, *, timeout, max_size):
    """Send each payload as a frame over one connection, one request at a time, and return the replies.

    Contract:
    - `payloads` is a list of bytes. No payloads: return [] without connecting. Otherwise open one connection
      (`asyncio.open_connection(host, port)`); an `OSError` while connecting propagates unchanged.
    - For each payload in turn: write its frame (4-byte big-endian unsigned length, then the payload), then
      read the reply frame in full; only then send the next. Return the reply payloads (bytes), in order.
      Frames may arrive cut into any pieces.
    - A reply of exactly `max_size` bytes is accepted; a header announcing more raises `ValueError` as soon as
      the 4-byte header is read, without reading (or waiting for) the body. `max_size` limits replies only.
    - The server closing the connection in the middle of a frame, or before a reply: raise `ConnectionError`
      (not `asyncio.IncompleteReadError`).
    - `timeout` (seconds) bounds each request, from when its frame is written: `drain()` and reading the whole
      reply. When it passes: `TimeoutError`. Connecting is not bounded by it.
    - The connection is closed and `await writer.wait_closed()` done before returning or raising, also when
      cancelled; an error from `wait_closed()` during that cleanup is suppressed (the result, or the exception
      being raised, stands).

    Example:
        await request_all("127.0.0.1", 9000, [b"ping", b""], timeout=1.0, max_size=1024)
        # sends b"\\x00\\x00\\x00\\x04ping", reads a reply, then b"\\x00\\x00\\x00\\x00" and reads another:
        # -> [b"pong", b"..."]

    Worth reading: StreamReader.readexactly and IncompleteReadError
    (https://docs.python.org/3/library/asyncio-stream.html#asyncio.StreamReader.readexactly), struct
    (https://docs.python.org/3/library/struct.html), asyncio.timeout
    (https://docs.python.org/3/library/asyncio-task.html#timeouts).
    """
    if not payloads:
        return []
    reader, writer = await asyncio.open_connection(host, port)
    try:
        replies = []
        for payload in payloads:
            writer.write(len(payload).to_bytes(4, "big") + payload)
            async with asyncio.timeout(timeout):
                await writer.drain()
                try:
                    size = int.from_bytes(await reader.readexactly(4), "big")
                    if size > max_size:
                        raise ValueError(f"a reply of {size} bytes, more than {max_size}")
                    replies.append(await reader.readexactly(size))
                except asyncio.IncompleteReadError as error:
                    raise ConnectionError("the server closed the connection before the reply was whole") from error
        return replies
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
