"""Shields the work from cancellation: when cancelled, the resource is released while work still uses it."""

import asyncio

CAUGHT_IN = "timeout"


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        return await asyncio.shield(work(resource))
    finally:
        await release(resource)
