"""A supervisor task runs a TaskGroup of one reader per source, outside the generator's own frame (a TaskGroup
must not span a yield); readers hand items over through a queue."""

import asyncio

DONE = object()


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    queue = asyncio.Queue()
    still_open = set(range(len(iterators)))

    async def read(index):
        while True:
            try:
                item = await anext(iterators[index])
            except StopAsyncIteration:
                still_open.discard(index)
                return
            except Exception as error:
                still_open.discard(index)
                queue.put_nowait(("error", error))
                return
            queue.put_nowait(("item", item))

    async def supervise():
        async with asyncio.TaskGroup() as group:
            for index in range(len(iterators)):
                group.create_task(read(index))
        queue.put_nowait(("done", None))

    supervisor = asyncio.create_task(supervise())
    try:
        while True:
            kind, value = await queue.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        supervisor.cancel()
        await asyncio.wait([supervisor])
        for index in sorted(still_open):
            aclose = getattr(iterators[index], "aclose", None)
            if aclose is not None:
                await aclose()
