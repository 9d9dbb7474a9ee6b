"""The cleanup awaits the prefetch and lets its error out: aclose() raises an error nobody asked for."""

import asyncio
import contextlib

CAUGHT_IN = "exceptions"


async def paginate(fetch_page):
    task = asyncio.create_task(fetch_page(None))
    try:
        while task is not None:
            items, token = await task
            task = None if token is None else asyncio.create_task(fetch_page(token))
            for item in items:
                yield item
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
