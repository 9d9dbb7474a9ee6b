"""struct for the header, asyncio.wait_for around each request's exchange, and the connection closed in a
finally: block."""

import asyncio
import struct

HEADER = struct.Struct(">I")


async def request_all(host, port, payloads, *, timeout, max_size):
    if not payloads:
        return []
    reader, writer = await asyncio.open_connection(host, port)

    async def exchange(payload):
        writer.write(HEADER.pack(len(payload)) + payload)
        await writer.drain()
        try:
            (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
            if size > max_size:
                raise ValueError(f"reply of {size} bytes announced; at most {max_size} allowed")
            return await reader.readexactly(size)
        except asyncio.IncompleteReadError as error:
            raise ConnectionError("connection closed in the middle of a reply") from error

    try:
        return [await asyncio.wait_for(exchange(payload), timeout) for payload in payloads]
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except Exception:  # noqa: BLE001 - the cleanup's own error never hides the outcome
            pass
