"""Kata: cooperative yielding.

The event loop runs one task at a time, and a task gives control back only at an `await` that suspends it.
CPU work has no such await: a coroutine that computes for a second holds the loop for that second, and every
other task (timers, network replies, a progress bar) waits. When the work has to stay in the loop's own
thread, split it up and yield now and then: `await asyncio.sleep(0)` suspends the coroutine for one turn of
the loop, lets every task that is ready run, then resumes it. Each yield costs a little, so yield often
enough that no other task waits long, and not so often that the work itself slows down.
"""


async def process_all(items, work):
    """Return `[work(item) for item in items]`, computed in the event loop's own thread, giving the loop a turn
    at least every 10 ms of work.

    Contract:
    - `work` is an ordinary (not async) CPU-bound function that takes about a millisecond a call. Call it once
      for every item of `items` (a list), in order, duplicates included, in the event loop's own thread: no
      threads, no processes.
    - Return a list of the results, in the order of `items`. No items: return [] (and call nothing).
    - Give the event loop a turn at least once per 10 ms of work (about every 10 items), so other tasks keep
      running: with an await that suspends, such as `await asyncio.sleep(0)`. (`time.sleep(0)` does not
      count, and neither does awaiting a coroutine that never suspends.)
    - Yielding costs little and waits for nothing: with its yields, it takes at most 3 times as long as a
      plain loop over the same items (a real sleep between items, even a short one, adds up).
    - If `work` raises, that exception propagates unchanged (the same object) and no later item is processed.
    - If the task running it is cancelled, it ends cancelled, at the yield where it was waiting, without
      calling `work` again.

    Example:
        def work(item):
            return sum(i * i for i in range(item))  # about a millisecond for item = 20_000

        await process_all([20_000] * 500, work)  # half a second of work; other tasks run every few ms

    Worth reading: asyncio.sleep, and sleep(0) in particular
    (https://docs.python.org/3/library/asyncio-task.html#sleeping); "Running Blocking Code" in Developing with
    asyncio (https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code).
    """
    raise NotImplementedError
