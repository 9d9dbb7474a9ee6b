"""asyncio.wait with FIRST_EXCEPTION over to_thread tasks: the first failure is raised, every failure already in
`done` is read (so none is left unretrieved), and the tasks still pending are cancelled (their threads run on,
but their outcomes are dropped with the cancelled futures)."""

import asyncio


async def read_all(read_blocking, paths):
    tasks = [asyncio.create_task(asyncio.to_thread(read_blocking, path)) for path in paths]
    if not tasks:
        return []
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in pending:
        task.cancel()
    failures = [task.exception() for task in tasks if task in done and task.exception() is not None]
    if failures:
        raise failures[0]
    return [task.result() for task in tasks]
