"""Reference solution: fetch with asyncio, parse in processes."""

import asyncio
from concurrent.futures import ProcessPoolExecutor


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        body = await fetch(url)
        # Handed to the pool the moment it arrives; awaiting the result leaves the loop free for the other fetches.
        return await loop.run_in_executor(pool, parse, body)

    # Leaving the with block shuts the pool down and waits for its processes, on success and on failure alike.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(await asyncio.gather(*(fetch_then_parse(url) for url in urls)))
