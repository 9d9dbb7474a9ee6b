"""One asyncio.wait loop over everything in flight: fetch tasks and parse futures. A finished fetch adds its
parse; the first failure ends it all. The pool is shut down in a worker thread, so that waiting for its
processes does not block the event loop."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=workers)
    pending = {asyncio.ensure_future(fetch(url)): ("fetch", index) for index, url in enumerate(urls)}
    results = [None] * len(urls)
    try:
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                kind, index = pending.pop(future)
                if kind == "fetch":
                    pending[loop.run_in_executor(pool, parse, future.result())] = ("parse", index)
                else:
                    results[index] = future.result()
        return results
    finally:
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
