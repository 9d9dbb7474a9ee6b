"""create_task per message and asyncio.wait until the first exception; a timeout on each reply, far off."""

import asyncio


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode() + b"\n")
        await writer.drain()
        async with asyncio.timeout(30):
            line = await reader.readline()
        return line.decode()[:-1]
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    if not messages:
        return []
    tasks = [asyncio.create_task(echo(host, port, message)) for message in messages]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    errors = [task.exception() for task in tasks if task in done and task.exception() is not None]
    if errors:
        raise errors[0]
    return [task.result() for task in tasks]
