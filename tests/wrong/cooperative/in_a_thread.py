"""Hands the whole loop to a worker thread: the event loop is free, but the work leaves its thread."""

import asyncio

CAUGHT_IN = "concurrency"


async def process_all(items, work):
    return await asyncio.to_thread(lambda: [work(item) for item in items])
