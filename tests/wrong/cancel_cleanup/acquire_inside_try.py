"""Acquires inside the try, so a failed or cancelled acquire still calls release(None)."""

CAUGHT_IN = "exceptions"


async def with_resource(acquire, release, work):
    resource = None
    try:
        resource = await acquire()
        return await work(resource)
    finally:
        await release(resource)
