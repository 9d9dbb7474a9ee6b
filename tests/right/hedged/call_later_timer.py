"""loop.call_later is the hedging timer, re-armed at each call's start; done callbacks settle a future that the
caller awaits."""

import asyncio


async def hedged_fetch(fetch, replicas, delay: float):
    if not replicas:
        raise ValueError("hedged_fetch() needs at least one replica")
    loop = asyncio.get_running_loop()
    answer = loop.create_future()
    tasks, failures = [], []
    timer = None

    def call_next():
        nonlocal timer
        if timer is not None:
            timer.cancel()
            timer = None
        if answer.done() or len(tasks) == len(replicas):
            return
        task = asyncio.create_task(fetch(replicas[len(tasks)]))
        tasks.append(task)
        task.add_done_callback(ended)
        if len(tasks) < len(replicas):
            timer = loop.call_later(delay, call_next)

    def ended(task):
        if answer.done() or task.cancelled():
            return
        if task.exception() is None:
            answer.set_result(task.result())
            return
        failures.append(task.exception())
        if len(failures) == len(replicas):
            answer.set_exception(ExceptionGroup("every replica failed", failures))
        else:
            call_next()

    try:
        call_next()
        return await answer
    finally:
        if timer is not None:
            timer.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
