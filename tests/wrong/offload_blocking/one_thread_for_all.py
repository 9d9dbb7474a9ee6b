"""One worker thread reads every path in turn: the loop stays free, but the calls run one after another."""

import asyncio

CAUGHT_IN = "concurrency"


async def read_all(read_blocking, paths):
    return await asyncio.to_thread(lambda: [read_blocking(path) for path in paths])
