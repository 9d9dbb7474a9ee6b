"""Work in a task of its own: awaiting the task passes a cancellation on to it, and waits for it to end."""

import asyncio


async def with_resource(acquire, release, work):
    resource = await acquire()
    task = asyncio.create_task(work(resource))
    try:
        return await task
    finally:
        await release(resource)
