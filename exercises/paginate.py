"""Kata: paginate, one page ahead.

An API that returns results a page at a time hands back, with each page, a token for the next one. An async
generator can hide the pages: its consumer just writes `async for item in paginate(fetch_page)` and gets every
item in turn. It can also hide most of the waiting: while the consumer works through one page, the next one is
already being fetched (a prefetch, in a task of its own), so that when the consumer gets to it, it is there or
nearly there. Only one page ahead, though: fetching further would load pages the consumer may never want.

A generator that starts a task owns it. When its consumer stops early (a `break`, then `aclose()`, which
`contextlib.aclosing` calls for you) or is cancelled, nobody else will ever wait for the prefetch: the generator's
`finally` must cancel it and wait for it to end. A prefetch that already failed has an exception nobody asked
for: it is dropped quietly, not raised out of `aclose()`, nor left for asyncio to log as never retrieved.
"""


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
    raise NotImplementedError
