"""A bare except: releases on every way out, but swallows the error or the cancellation and returns None."""

CAUGHT_IN = "exceptions"


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        result = await work(resource)
    except:  # noqa: E722
        await release(resource)
        return None
    await release(resource)
    return result
