"""Reference solution: merge async streams."""

import asyncio


async def merge(*sources):
    """Yield the items of every source, as they arrive, whichever source they come from.

    Contract:
    - `sources` are async iterables. Yield each item as soon as its source produces it, whichever source that is
      (not one source after another); each source's items keep their order; end when every source is
      exhausted (at once for no sources). Falsy items are items.
    - At most one read (`__anext__`) per source is pending at a time. How far reads run ahead of the consumer is
      up to you.
    - When a source raises: the other sources' pending reads are cancelled (each once), every source still open
      is closed, then that very exception propagates (if two fail together, any one of them; the others are
      retrieved, never logged).
    - When the consumer stops early (`break`, then `aclose()`, or `async with aclosing(...)`) or is cancelled
      while waiting for an item (it then ends cancelled): every pending read is cancelled once and waited for,
      then every source still open is closed, each source's own async cleanup complete before the merge's
      `aclose()` returns. Closed before the first item: nothing is started or closed.
    - "Closing a source" means awaiting `aclose()` on `aiter(source)` when it has one, for every source that has
      not ended or raised, including one whose read was just cancelled.

    Example:
        async def ticks(name, delay, count):
            for number in range(count):
                await asyncio.sleep(delay)
                yield f"{name}{number}"

        async with contextlib.aclosing(merge(ticks("slow", 0.3, 2), ticks("fast", 0.1, 3))) as items:
            async for item in items:
                print(item)  # fast0, fast1, fast2 (0.1 s apart), slow0 (at 0.3 s), slow1 (at 0.6 s)

    Worth reading: asyncio.wait and Task.cancel (https://docs.python.org/3/library/asyncio-task.html), aiter and
    anext (https://docs.python.org/3/library/functions.html#aiter), asyncio.Queue
    (https://docs.python.org/3/library/asyncio-queue.html) and contextlib.aclosing
    (https://docs.python.org/3/library/contextlib.html#contextlib.aclosing).
    """
    iterators = [aiter(source) for source in sources]
    still_open = set(range(len(iterators)))  # sources that have neither ended nor raised
    reads = {}  # the one pending read of each source: task -> index

    def read(index):
        reads[asyncio.ensure_future(anext(iterators[index]))] = index

    try:
        for index in range(len(iterators)):
            read(index)
        while reads:
            done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
            # One at a time: the others done stay in `reads`, and the next wait hands them back at once.
            task = done.pop()
            index = reads.pop(task)
            try:
                item = task.result()
            except StopAsyncIteration:
                still_open.discard(index)
                continue
            except BaseException:
                still_open.discard(index)
                raise
            yield item
            read(index)
    finally:
        # A break (aclose), an error or a cancellation: cancel the pending reads (cancelling one already done
        # marks its exception as retrieved), wait until they have ended, then close every source still open.
        for task in reads:
            task.cancel()
        if reads:
            await asyncio.wait(reads)
        for index in sorted(still_open):
            aclose = getattr(iterators[index], "aclose", None)
            if aclose is not None:
                await aclose()
