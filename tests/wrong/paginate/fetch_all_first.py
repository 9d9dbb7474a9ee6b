"""Every page fetched before the first item is yielded."""

CAUGHT_IN = "concurrency"


async def paginate(fetch_page):
    pages = []
    token = None
    while True:
        items, token = await fetch_page(token)
        pages.append(items)
        if token is None:
            break
    for items in pages:
        for item in items:
            yield item
