"""A TaskGroup, readuntil for the reply, and the first connection error taken out of the ExceptionGroup."""

import asyncio


async def echo(host, port, message):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.writelines([message.encode("utf-8"), b"\n"])
        await writer.drain()
        line = await reader.readuntil(b"\n")
        return line[:-1].decode("utf-8")
    finally:
        writer.close()
        await writer.wait_closed()


async def echo_all(host, port, messages):
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(echo(host, port, message)) for message in messages]
    except* OSError as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
