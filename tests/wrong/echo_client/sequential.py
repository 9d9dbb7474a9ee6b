"""One connection after another: each waits for its reply before the next one opens."""

import asyncio

CAUGHT_IN = "concurrency"


async def echo_all(host, port, messages):
    replies = []
    for message in messages:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(message.encode() + b"\n")
        await writer.drain()
        replies.append((await reader.readline()).decode()[:-1])
        writer.close()
        await writer.wait_closed()
    return replies
