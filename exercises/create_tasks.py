"""Kata: two tasks at once.

`await first()` runs `first` to its end before your code goes on, so `await first()` then `await second()`
takes as long as both together. `asyncio.create_task(coro)` schedules a coroutine to run as a task of its own
and hands you the task at once, without waiting: start both tasks, and only then await them, and they run at
the same time. A task you started is yours to look after: if one of the two fails, the other is no longer
needed, and left alone it would run on in the background. Cancel it, and wait until it has stopped.
"""


async def run_both(first, second) -> tuple:
    """Run `first()` and `second()` at the same time and return `(result_of_first, result_of_second)`.

    Contract:
    - `first` and `second` are async functions of no arguments; call each once.
    - Both run concurrently: the call takes about as long as the slower of the two, not their sum.
    - Return a tuple: `(result of first, result of second)`, in that order, whichever finishes first.
    - If either raises, the other is cancelled, and has finished, before `run_both` raises that exception
      unchanged (the same object, not wrapped in an ExceptionGroup). If both raise, either one.
      Leave no failure behind that nobody retrieved.

    Example:
        async def first():
            await asyncio.sleep(0.2)
            return "one"

        async def second():
            await asyncio.sleep(0.1)
            return "two"

        await run_both(first, second)  # -> ("one", "two"), in about 0.2 s, not 0.3 s

    Worth reading: asyncio.create_task, Task.cancel, asyncio.gather
    (https://docs.python.org/3/library/asyncio-task.html#creating-tasks).
    """
    raise NotImplementedError
