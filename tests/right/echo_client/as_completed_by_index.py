"""asyncio.as_completed, each reply put back in its message's place; async for over the reader's lines."""

import asyncio


async def echo(index, host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write((message + "\n").encode())
        await writer.drain()
        async for line in reader:
            return index, line.decode()[:-1]
        return index, ""
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    replies = [None] * len(messages)
    tasks = [asyncio.create_task(echo(index, host, port, message)) for index, message in enumerate(messages)]
    try:
        for next_done in asyncio.as_completed(tasks):
            index, reply = await next_done
            replies[index] = reply
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return replies
