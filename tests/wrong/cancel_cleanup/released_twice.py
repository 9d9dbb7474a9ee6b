"""Releases in an except clause and again in finally: twice when work raises."""

CAUGHT_IN = "exceptions"


async def with_resource(acquire, release, work):
    resource = await acquire()
    try:
        return await work(resource)
    except Exception:
        await release(resource)
        raise
    finally:
        await release(resource)
