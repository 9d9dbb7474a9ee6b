"""An executor of its own, one worker per path; its futures wrapped for asyncio and awaited with asyncio.wait."""

import asyncio
from concurrent.futures import ThreadPoolExecutor


async def read_all(read_blocking, paths):
    if not paths:
        return []
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        futures = [asyncio.wrap_future(pool.submit(read_blocking, path)) for path in paths]
        await asyncio.wait(futures, return_when=asyncio.FIRST_EXCEPTION)
        for future in futures:
            if future.done() and future.exception() is not None:
                for other in futures:
                    other.add_done_callback(lambda done: done.cancelled() or done.exception())
                raise future.exception()
        return [future.result() for future in futures]
