"""A semaphore lets only five connections open at a time: polite, but not all at once."""

import asyncio

CAUGHT_IN = "concurrency"


async def echo_all(host, port, messages):
    limit = asyncio.Semaphore(5)

    async def echo(message):
        async with limit:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(message.encode() + b"\n")
                await writer.drain()
                return (await reader.readline()).decode()[:-1]
            finally:
                writer.close()
                await writer.wait_closed()

    return await asyncio.gather(*(echo(message) for message in messages))
