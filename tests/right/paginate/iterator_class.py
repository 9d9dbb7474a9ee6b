"""An async iterator class instead of a generator: __anext__ hands over items, aclose() cleans up."""

import asyncio


class Paginator:
    def __init__(self, fetch_page):
        self.fetch_page = fetch_page
        self.items = []
        self.task = None
        self.started = False
        self.done = False

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            while not self.items:
                if self.done:
                    raise StopAsyncIteration
                if not self.started:
                    self.started = True
                    self.task = asyncio.create_task(self.fetch_page(None))
                if self.task is None:
                    self.done = True
                    raise StopAsyncIteration
                items, token = await self.task
                self.task = None if token is None else asyncio.create_task(self.fetch_page(token))
                self.items = list(items)
            return self.items.pop(0)
        except BaseException as error:
            if not isinstance(error, StopAsyncIteration):
                await self.aclose()
            raise

    async def aclose(self):
        self.done = True
        self.items = []
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])


def paginate(fetch_page):
    return Paginator(fetch_page)
