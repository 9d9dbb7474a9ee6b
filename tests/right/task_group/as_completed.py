"""asyncio.as_completed to meet the first failure; then every task cancelled and awaited, the failures grouped."""

import asyncio


async def fetch_all_or_nothing(fetch, keys):
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    try:
        for next_done in asyncio.as_completed(tasks):
            await next_done
    except BaseException as error:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if isinstance(error, asyncio.CancelledError):
            raise
        failures = [task.exception() for task in tasks if not task.cancelled() and task.exception() is not None]
        raise ExceptionGroup("some fetches failed", failures) from None
    return [task.result() for task in tasks]
