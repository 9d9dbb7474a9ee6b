"""multiprocessing.Pool rather than concurrent.futures: apply_async with callbacks that complete asyncio futures
through call_soon_threadsafe; closing the pool and joining its processes runs in a worker thread."""

import asyncio
import multiprocessing


async def crunch_all(fn, items, workers: int) -> list:
    loop = asyncio.get_running_loop()
    pool = multiprocessing.Pool(workers)
    try:
        futures = [loop.create_future() for _ in items]
        for item, future in zip(items, futures, strict=False):
            pool.apply_async(
                fn,
                (item,),
                callback=_completer(loop, future, "set_result"),
                error_callback=_completer(loop, future, "set_exception"),
            )
        return list(await asyncio.gather(*futures))
    finally:
        pool.close()
        await asyncio.to_thread(pool.join)


def _completer(loop, future, method):
    def complete(value):
        loop.call_soon_threadsafe(lambda: future.done() or getattr(future, method)(value))

    return complete
