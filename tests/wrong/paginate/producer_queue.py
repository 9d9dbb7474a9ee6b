"""A producer task fills a queue of one page: it fetches the page after next while the consumer reads a page."""

import asyncio

CAUGHT_IN = "concurrency"


async def paginate(fetch_page):
    pages = asyncio.Queue(maxsize=1)

    async def produce():
        token = None
        while True:
            try:
                items, token = await fetch_page(token)
            except Exception as error:
                await pages.put((None, error))
                return
            await pages.put((items, None))
            if token is None:
                await pages.put(None)
                return

    producer = asyncio.create_task(produce())
    try:
        while (page := await pages.get()) is not None:
            items, error = page
            if error is not None:
                raise error
            for item in items:
                yield item
    finally:
        producer.cancel()
        await asyncio.wait([producer])
