"""Worker threads, all at once, but waited for with future.result(): the event loop is blocked meanwhile."""

from concurrent.futures import ThreadPoolExecutor

CAUGHT_IN = "concurrency"


async def read_all(read_blocking, paths):
    with ThreadPoolExecutor(max_workers=max(1, len(paths))) as pool:
        futures = [pool.submit(read_blocking, path) for path in paths]
        return [future.result() for future in futures]
