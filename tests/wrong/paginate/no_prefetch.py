"""One page at a time: the next page is fetched only when the consumer has read the whole page before it."""

CAUGHT_IN = "concurrency"


async def paginate(fetch_page):
    token = None
    while True:
        items, token = await fetch_page(token)
        for item in items:
            yield item
        if token is None:
            return
