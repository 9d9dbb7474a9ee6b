"""Reference solution: start together."""

import asyncio


async def run_in_lockstep(prepare, run, names) -> list:
    """For every name, `await prepare(name)`, wait until every prepare has finished, then `await run(name)`;
    return the results of the runs in name order.

    Contract:
    - `prepare` and `run` are async functions of one argument; `names` is a list. For every item of `names`
      (duplicates included) call `prepare(name)` once (its return value is ignored) and then `run(name)` once.
    - The prepares run concurrently, and so do the runs. No run starts before the last prepare has ended, and
      every run starts at once when it has (within 10 ms: not at the next poll of a timer).
    - Return the runs' results, in the order of `names`. No names: return [] without calling anything.
    - A prepare raises: no run starts, the other prepares are cancelled and have ended, and then that very
      exception propagates, as it is (never in an ExceptionGroup; if several fail together, any one of them,
      the others retrieved).
    - A run raises: the other runs are cancelled and have ended, and then that very exception propagates, as
      it is.
    - If the task running this is cancelled, every prepare or run under way is cancelled and has ended before
      it ends, cancelled. Nothing you started is left running, and no exception is left unretrieved.

    Example:
        async def prepare(name):
            await asyncio.sleep(0.1 if name == "slow" else 0.01)
            print("prepared", name)

        async def run(name):
            print("running", name)
            return name.upper()

        await run_in_lockstep(prepare, run, ["slow", "quick"])
        # prints "prepared quick", "prepared slow", then "running slow" and "running quick" together, and
        # returns ['SLOW', 'QUICK'] after about 0.1 s: "quick" was ready long before, and waited for "slow"

    Worth reading: asyncio.Barrier (https://docs.python.org/3/library/asyncio-sync.html#asyncio.Barrier),
    asyncio.TaskGroup (https://docs.python.org/3/library/asyncio-task.html#task-groups), and asyncio.Event
    (https://docs.python.org/3/library/asyncio-sync.html#asyncio.Event).
    """
    # Two groups in a row: the first block ends only once every prepare has ended, and the runs start right
    # after it. Each group cancels and awaits the rest when one task fails, or when the caller is cancelled.
    try:
        async with asyncio.TaskGroup() as group:
            for name in names:
                group.create_task(prepare(name))
        async with asyncio.TaskGroup() as group:
            runs = [group.create_task(run(name)) for name in names]
    except ExceptionGroup as failures:  # not except*: on Python 3.11.0-3.11.3 it puts what it raises in a group
        raise failures.exceptions[0] from None  # as it is, not in a group
    return [task.result() for task in runs]
