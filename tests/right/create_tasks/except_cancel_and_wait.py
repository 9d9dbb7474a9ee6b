"""create_task for both, gather them; on any failure, cancel both and wait for them before raising it again."""

import asyncio


async def run_both(first, second) -> tuple:
    task_1 = asyncio.create_task(first())
    task_2 = asyncio.create_task(second())
    try:
        result_1, result_2 = await asyncio.gather(task_1, task_2)
    except BaseException:
        task_1.cancel()
        task_2.cancel()
        for task in (task_1, task_2):
            try:
                await task
            except BaseException:
                pass  # its outcome is retrieved; the first failure is what propagates
        raise
    return result_1, result_2
