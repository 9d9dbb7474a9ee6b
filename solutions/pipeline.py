"""Reference solution: a pipeline with backpressure."""

import asyncio


async def run_pipeline(source, handle, *, workers: int, buffer: int) -> list:
    """Read every item of `source`, call `handle(item)` on each with `workers` calls at a time, keep no more
    than `workers + buffer + 1` items in hand, and return the results in source order.

    Contract:
    - `source` is an async iterable of items; `handle` is an async function of one item. Call `handle` once for
      every item, duplicates included, and return the list of its results in the order of the source. An empty
      source: return [].
    - At most `workers` calls of `handle` run at once, and that many whenever items are waiting: a new call
      starts as soon as one ends.
    - Backpressure: at any moment, the items taken from `source` and not yet finished by `handle` number at most
      `workers + buffer + 1` (the one is the item a producer holds while it waits for room). Reading ahead up to
      that bound is allowed, not required.
    - `handle` raises: no item is taken from `source` after that, the running calls are cancelled and have
      ended, the source is closed, and then that very exception propagates, as it is (if several fail, any one;
      the others retrieved).
    - `source` raises: the running calls are cancelled and have ended, and then that very exception propagates.
    - "Closing the source" means awaiting `aclose()` on the iterator that `aiter(source)` returned, when it has
      one; do it before raising, and also when the caller is cancelled.
    - `workers < 1` or `buffer < 0`: ValueError, before `source` is read.
    - If the task running this is cancelled, every call of `handle` is cancelled and has ended, the source is
      closed, and then it ends cancelled. Nothing you started is left running; no exception is left unretrieved.

    Example:
        async def numbers():
            for number in range(10):
                yield number

        async def handle(number):
            await asyncio.sleep(0.1)
            return number * number

        await run_pipeline(numbers(), handle, workers=3, buffer=2)   # -> [0, 1, 4, ..., 81], in about 0.4 s;
                                                                     # never more than 6 numbers in hand

    Worth reading: asyncio.Queue (https://docs.python.org/3/library/asyncio-queue.html), asyncio.Semaphore
    (https://docs.python.org/3/library/asyncio-sync.html#asyncio.Semaphore), and asynchronous generators'
    aclose (https://docs.python.org/3/reference/expressions.html#agen.aclose).
    """
    if workers < 1 or buffer < 0:
        raise ValueError(f"workers must be at least 1 and buffer at least 0, not {workers!r} and {buffer!r}")
    items = aiter(source)
    in_hand = asyncio.Semaphore(workers + buffer + 1)  # a place for each item taken and not yet finished
    queue = asyncio.Queue()  # unbounded: in_hand is the bound, whatever the buffer (maxsize=0 would be none)
    results = {}

    async def produce():
        index = 0
        while True:
            await in_hand.acquire()  # room first, then read: backpressure
            try:
                item = await anext(items)
            except StopAsyncIteration:
                break
            queue.put_nowait((index, item))
            index += 1
        for _ in range(workers):
            queue.put_nowait(None)  # one "no more items" for each worker

    async def work():
        while (entry := await queue.get()) is not None:
            index, item = entry
            results[index] = await handle(item)
            in_hand.release()

    try:
        # The group cancels and awaits every task when one fails (the reader too: no read after that), and when
        # the caller is cancelled.
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(workers):
                group.create_task(work())
    except ExceptionGroup as failures:  # not except*: on Python 3.11.0-3.11.3 it puts what it raises in a group
        raise failures.exceptions[0] from None  # as it is, not in a group
    finally:
        if hasattr(items, "aclose"):
            await items.aclose()
    return [results[index] for index in range(len(results))]
