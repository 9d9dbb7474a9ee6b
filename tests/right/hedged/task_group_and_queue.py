"""A TaskGroup: a launcher adds replicas, woken by a failure (through a queue) or by the delay (wait_for);
the first success cancels every other task in the group."""

import asyncio


async def hedged_fetch(fetch, replicas, delay: float):
    if not replicas:
        raise ValueError("hedged_fetch() needs at least one replica")
    failed = asyncio.Queue()  # one item per failed call: each one calls the next replica at once
    failures, results, tasks = [], [], []

    async def attempt(replica):
        try:
            result = await fetch(replica)
        except Exception as error:
            failures.append(error)
            failed.put_nowait(error)
            return
        results.append(result)
        for task in tasks:
            if task is not asyncio.current_task():
                task.cancel()

    async def launch():
        for index, replica in enumerate(replicas):
            tasks.append(group.create_task(attempt(replica)))
            if index + 1 < len(replicas):
                try:
                    await asyncio.wait_for(failed.get(), delay)
                except TimeoutError:
                    pass

    async with asyncio.TaskGroup() as group:
        tasks.append(group.create_task(launch()))
    if results:
        return results[0]
    raise ExceptionGroup("every replica failed", failures)
