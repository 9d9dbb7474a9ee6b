"""Starts the release as a task and does not wait for it: the call returns before the resource is back."""

import asyncio

CAUGHT_IN = "correctness"


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        return await work(resource)
    finally:
        asyncio.ensure_future(release(resource))
