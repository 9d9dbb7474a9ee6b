"""Catches CancelledError and passes, so the task returns None instead of ending cancelled."""

import asyncio

CAUGHT_IN = "exceptions"


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        return await work(resource)
    except asyncio.CancelledError:
        pass  # cancelled: nothing to do but clean up
    finally:
        await release(resource)
