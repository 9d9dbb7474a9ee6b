"""Kata: merge async streams.

Several sources each produce items over time: messages from several connections, events from several
subscriptions. `merge` turns them into one stream that hands over each item as soon as any source has it,
whichever source that is. Reading one source after another would not do: a quiet source would hold up every
busy one behind it.

Merging means waiting on several reads at once: one pending read per source (an async iterator allows no more:
a second `__anext__` while one is pending is an error), each in a task of its own, or each source drained by a
task of its own into a queue. The generator owns those tasks and the sources' iterators. Whatever ends it early
(its consumer's `break`, a cancellation, one source failing) must cancel the reads still pending, wait for them,
and then close every source still open, so each can run its own cleanup: `await it.aclose()` on what `aiter()`
gave, when it has an `aclose`.
"""


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
    raise NotImplementedError
