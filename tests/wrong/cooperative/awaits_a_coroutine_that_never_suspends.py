"""Awaits a coroutine of its own to 'yield', but that coroutine never suspends: the loop gets no turn."""

CAUGHT_IN = "concurrency"


async def _pause():
    pass


async def process_all(items, work):
    results = []
    for count, item in enumerate(items, start=1):
        results.append(work(item))
        if count % 5 == 0:
            await _pause()
    return results
