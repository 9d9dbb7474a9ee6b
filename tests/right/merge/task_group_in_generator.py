"""A TaskGroup of pumps held by the generator itself, across its yields: a pump's error makes the group cancel the
task that entered it, so the generator must be iterated by one task, as `async for` does. The group's
ExceptionGroup is unwrapped to the source's own error (or to GeneratorExit, on aclose)."""

import asyncio


async def merge(*sources):
    iterators = [aiter(source) for source in sources]
    still_open = set(range(len(iterators)))
    queue = asyncio.Queue()

    async def pump(index):
        while True:
            try:
                item = await anext(iterators[index])
            except StopAsyncIteration:
                still_open.discard(index)
                queue.put_nowait(("end", None))
                return
            except Exception:
                still_open.discard(index)
                raise  # the group cancels the other pumps, and the task iterating the generator
            queue.put_nowait(("item", item))

    try:
        async with asyncio.TaskGroup() as group:
            for index in range(len(iterators)):
                group.create_task(pump(index))
            left = len(iterators)
            while left:
                kind, value = await queue.get()
                if kind == "end":
                    left -= 1
                else:
                    yield value
    except BaseExceptionGroup as group_error:  # a source's error, or GeneratorExit (aclose) or CancelledError
        raise group_error.exceptions[0] from None
    finally:
        # The group has cancelled and awaited every pump by now: close what is still open.
        for index in sorted(still_open):
            aclose = getattr(iterators[index], "aclose", None)
            if aclose is not None:
                await aclose()
