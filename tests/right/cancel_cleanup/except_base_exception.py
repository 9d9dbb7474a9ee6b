"""except BaseException: releases and raises again (CancelledError included); releases after success too."""


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        result = await work(resource)
    except BaseException:
        await release(resource)
        raise
    await release(resource)
    return result
