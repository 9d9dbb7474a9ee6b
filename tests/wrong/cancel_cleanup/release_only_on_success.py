"""Releases only after work returns: an error or a cancellation skips the release."""

CAUGHT_IN = "exceptions"


async def with_resource(acquire, release, work):
    resource = await acquire()
    result = await work(resource)
    await release(resource)
    return result
