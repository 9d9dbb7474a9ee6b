"""Kata: start together.

Some work has a setup phase and a go phase, and the go phase must not begin anywhere until the setup has ended
everywhere: load tests where every client connects first and then all fire at the same instant, a distributed
step where every node must have its data before any computes. Waiting for all the setups and then starting all
the runs is a barrier. Two gathers in a row make one; so does `asyncio.Barrier(n)` (Python 3.11), where each
task calls `await barrier.wait()` and all are released together when the n-th arrives, or an `asyncio.Event`
set by the last one to finish. Polling a counter with `asyncio.sleep` makes one too, but a slow one: the runs
start when the next poll comes round, not when the last setup ends. And like any group of tasks, a barrier must
not strand anyone: when one setup fails, the others are cancelled, and nobody is left waiting forever.
"""


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
    raise NotImplementedError
