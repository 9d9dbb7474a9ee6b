"""asyncio.gather over tasks; on any failure or cancellation, cancel every task, await them all, and raise."""

import asyncio


async def fetch_all_or_nothing(fetch, keys):
    tasks = [asyncio.create_task(fetch(key)) for key in keys]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException as error:
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        if isinstance(error, asyncio.CancelledError):
            raise
        failures = [
            outcome
            for outcome in outcomes
            if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError)
        ]
        raise ExceptionGroup("some fetches failed", failures) from None
