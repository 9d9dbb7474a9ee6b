"""Cleans up in `except Exception:`, which CancelledError (a BaseException) goes straight past."""

CAUGHT_IN = "exceptions"


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        result = await work(resource)
    except Exception:
        await release(resource)
        raise
    await release(resource)
    return result
