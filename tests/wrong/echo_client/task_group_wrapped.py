"""A TaskGroup whose ExceptionGroup escapes as it is: the connection error arrives wrapped."""

import asyncio

CAUGHT_IN = "exceptions"


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(message.encode() + b"\n")
        await writer.drain()
        return (await reader.readline()).decode()[:-1]
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(echo(host, port, message)) for message in messages]
    return [task.result() for task in tasks]
