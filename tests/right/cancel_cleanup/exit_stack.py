"""contextlib.AsyncExitStack: the release is pushed once the resource exists, and awaited on the way out."""

from contextlib import AsyncExitStack


async def with_resource(acquire, release, work):
    async with AsyncExitStack() as stack:
        resource = await acquire()
        stack.push_async_callback(release, resource)
        return await work(resource)
