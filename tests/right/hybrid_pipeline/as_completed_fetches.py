"""The fetches as tasks, taken with asyncio.as_completed as they finish: each body goes to the pool (a future
wrapped with asyncio.wrap_future) the moment it arrives; on a failure every task and queued parse is cancelled,
and the pool is shut down in a finally block."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    async def indexed_fetch(index, url):
        return index, await fetch(url)

    pool = ProcessPoolExecutor(max_workers=workers)
    fetches = [asyncio.create_task(indexed_fetch(index, url)) for index, url in enumerate(urls)]
    parses = [None] * len(urls)
    try:
        for next_fetch in asyncio.as_completed(fetches):
            index, body = await next_fetch
            parses[index] = asyncio.wrap_future(pool.submit(parse, body))
        return [await parse_future for parse_future in parses]
    finally:
        started = fetches + [future for future in parses if future is not None]
        for pending in started:
            pending.cancel()
        await asyncio.gather(*started, return_exceptions=True)  # every outcome retrieved, none left unread
        pool.shutdown(wait=True, cancel_futures=True)
