"""The cleanup registered on an AsyncExitStack: whatever task is pending when the generator ends is cancelled and
waited for."""

import asyncio
import contextlib


async def paginate(fetch_page):
    held = {}

    async def drop_prefetch():
        task = held.pop("task", None)
        if task is not None:
            task.cancel()
            await asyncio.wait([task])

    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(drop_prefetch)
        held["task"] = asyncio.create_task(fetch_page(None))
        while "task" in held:
            items, token = await held["task"]
            del held["task"]
            if token is not None:
                held["task"] = asyncio.create_task(fetch_page(token))
            for item in items:
                yield item
