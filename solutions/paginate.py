"""Reference solution: paginate, one page ahead."""

import asyncio


async def paginate(fetch_page):
    """Yield every item of every page, fetching the next page while the consumer reads this one.

    Contract:
    - `await fetch_page(token)` returns `(items, next_token)`. Start with `token=None`; stop after the page whose
      `next_token` is `None`. An empty page with a token is not the end, and a falsy token other than `None`
      (`0`, `''`) is a token like any other.
    - Yield every item, in order, each page's items in their order (falsy items included).
    - One page ahead: the fetch of page k+1 starts once the consumer has asked for page k's first item, before
      that item is handed over (in a task, so it runs while the consumer works), and never earlier: at most
      one fetch runs at a time, and never two pages ahead of what the consumer has asked for.
    - An error from `fetch_page` comes out unchanged (the very exception object) where the consumer asks for the
      first item of that page, after every item before it was yielded.
    - When the consumer stops early (`break`, then `aclose()`, or `async with aclosing(...)`) or is cancelled
      while waiting for an item, the fetch in progress is cancelled and awaited before `aclose()` returns (a
      cancelled consumer ends cancelled); a prefetch that already failed is then retrieved and dropped:
      `aclose()` does not raise it, and asyncio logs nothing.

    Example:
        pages = {None: (["a", "b"], 7), 7: ([], 0), 0: (["c"], None)}

        async def fetch_page(token):
            await asyncio.sleep(0.1)
            return pages[token]

        async with contextlib.aclosing(paginate(fetch_page)) as items:
            async for item in items:
                print(item)  # "a", "b", "c": fetch_page(None), then (7) as "a" is handed over, then (0)

    Worth reading: asynchronous generators
    (https://docs.python.org/3/reference/expressions.html#asynchronous-generator-functions),
    asyncio.create_task and Task.cancel (https://docs.python.org/3/library/asyncio-task.html) and
    contextlib.aclosing (https://docs.python.org/3/library/contextlib.html#contextlib.aclosing).
    """
    pending = asyncio.create_task(fetch_page(None))
    try:
        while pending is not None:
            # Awaiting the task raises its exception as it is; cancelling the consumer here cancels the task too.
            items, token = await pending
            # Page k is here because the consumer asked for its first item: fetch page k+1 before handing it over.
            pending = None if token is None else asyncio.create_task(fetch_page(token))
            for item in items:
                yield item
    finally:
        # A break (aclose), an error or a cancellation: the prefetch still under way is cancelled and waited for.
        # cancel() on a task already done marks its exception as retrieved, so a failed prefetch is dropped.
        if pending is not None:
            pending.cancel()
            await asyncio.wait([pending])
