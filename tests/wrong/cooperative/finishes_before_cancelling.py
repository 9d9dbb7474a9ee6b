"""Catches the cancellation, finishes every item, then raises it again: cancelled, but only once all is done."""

import asyncio

CAUGHT_IN = "exceptions"


async def process_all(items, work):
    results = []
    cancelled = None
    for count, item in enumerate(items, start=1):
        results.append(work(item))
        if count % 5 == 0 and cancelled is None:
            try:
                await asyncio.sleep(0)
            except asyncio.CancelledError as error:
                cancelled = error
    if cancelled is not None:
        raise cancelled
    return results
