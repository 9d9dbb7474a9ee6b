"""Reference solution: clean up, even when cancelled."""


async def with_resource(acquire, release, work):
    resource = await acquire()  # outside the try: if acquiring fails, there is nothing to release
    try:
        return await work(resource)
    finally:  # returned, raised or cancelled: the release runs to its end, then the outcome goes on
        await release(resource)
