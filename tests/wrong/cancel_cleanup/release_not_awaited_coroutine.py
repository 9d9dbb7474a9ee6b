"""Calls release without await: the coroutine is made and thrown away, and nothing is released."""

CAUGHT_IN = "correctness"


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        return await work(resource)
    finally:
        release(resource)
