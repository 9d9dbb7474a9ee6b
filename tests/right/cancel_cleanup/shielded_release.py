"""finally with the release shielded, so that a second cancellation cannot cut the release short either."""

import asyncio


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        return await work(resource)
    finally:
        release_task = asyncio.ensure_future(release(resource))
        try:
            await asyncio.shield(release_task)
        except asyncio.CancelledError:
            await asyncio.wait({release_task})
            raise
