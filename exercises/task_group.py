"""Kata: all or nothing with a TaskGroup.

`asyncio.gather` starts tasks and hands you the first exception, but it does not own them: when one fetch
fails, the others go on running in the background, nobody waits for them, and their results and errors go
nowhere. Structured concurrency ties tasks to a block of code instead. `asyncio.TaskGroup` (Python 3.11) does
not let its `async with` block end until every task it started has ended; when one task fails, it cancels the
others, waits for them to finish, and raises what failed as an `ExceptionGroup`, which `except*` can take
apart. Nothing you started outlives the block.
"""


async def fetch_all_or_nothing(fetch, keys):
    """Fetch every key at the same time and return the results in key order; if a fetch fails, cancel the
    rest and raise the failure in an ExceptionGroup.

    Contract:
    - `fetch` is an async function of one argument. Call it exactly once for every item of `keys`,
      duplicates included, all of them concurrently.
    - Every fetch succeeds: return a list of the results in the order of `keys`. No keys: return [].
    - A fetch raises: cancel every other fetch still running, and raise an `ExceptionGroup` holding the
      exception of every fetch that raised (the very objects, in any order; usually just one) and nothing
      else (no CancelledError in it). Raise it soon after the first failure, not when the slowest fetch would
      have finished.
    - Return or raise only once every fetch has ended: a cancelled fetch has received its CancelledError and
      finished. Nothing you started is left running, and no exception is left unretrieved.
    - If the task running this is cancelled, every fetch is cancelled and has ended before it ends, cancelled.

    Example:
        async def fetch(key):
            if key == "bad":
                await asyncio.sleep(0.05)
                raise KeyError(key)
            await asyncio.sleep(0.1)
            return key.upper()

        await fetch_all_or_nothing(fetch, ["a", "b"])    # -> ["A", "B"], in about 0.1 s
        await fetch_all_or_nothing(fetch, ["a", "bad"])  # raises ExceptionGroup holding KeyError('bad'),
                                                         # after 0.05 s: the fetch of "a" was cancelled

    Worth reading: asyncio.TaskGroup (https://docs.python.org/3/library/asyncio-task.html#task-groups), and
    ExceptionGroup with except* (https://docs.python.org/3/library/exceptions.html#exception-groups).
    """
    raise NotImplementedError
