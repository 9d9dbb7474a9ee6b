"""A plain loop inside a coroutine: right results, but the event loop gets no turn until all the work is done."""

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    return [work(item) for item in items]
