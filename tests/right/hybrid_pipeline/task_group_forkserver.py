"""A TaskGroup of fetch-then-parse tasks, in a forkserver pool (the default start method from Python 3.14); the
first error is taken out of the ExceptionGroup."""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    loop = asyncio.get_running_loop()

    async def fetch_then_parse(url):
        body = await fetch(url)
        return await loop.run_in_executor(pool, parse, body)

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(fetch_then_parse(url)) for url in urls]
        except* Exception as failures:
            raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
