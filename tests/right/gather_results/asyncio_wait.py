"""asyncio.wait until the first exception, then results in key order."""

import asyncio


async def fetch_all(fetch, keys):
    if not keys:
        return []
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        if task in done and task.exception() is not None:
            for other in done:
                other.exception()  # retrieved: nothing left for the loop to complain about
            raise task.exception()
    return [task.result() for task in tasks]
