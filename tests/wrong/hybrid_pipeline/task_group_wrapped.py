"""A TaskGroup whose ExceptionGroup escapes as it is: a fetch's or a parse's error arrives wrapped."""

import asyncio
from concurrent.futures import ProcessPoolExecutor

CAUGHT_IN = "exceptions"


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        return await loop.run_in_executor(pool, parse, await fetch(url))

    with ProcessPoolExecutor(max_workers=workers) as pool:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(fetch_then_parse(url)) for url in urls]
    return [task.result() for task in tasks]
