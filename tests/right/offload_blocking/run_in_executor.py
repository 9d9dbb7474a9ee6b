"""The loop's default executor through loop.run_in_executor, awaited together with gather."""

import asyncio


async def read_all(read_blocking, paths):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, read_blocking, path) for path in paths]
    return list(await asyncio.gather(*futures))
