"""An async context manager made with contextlib.asynccontextmanager: its finally releases on every way out."""

from contextlib import asynccontextmanager


@asynccontextmanager
async def _acquired(acquire, release):
    resource = await acquire()
    try:
        yield resource
    finally:
        await release(resource)


async def with_resource(acquire, release, work):
    async with _acquired(acquire, release) as resource:
        return await work(resource)
