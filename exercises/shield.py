"""Kata: a commit that cancellation cannot break.

Some work must not be cut off halfway: a database commit, a payment, a write that has to land whole. But the
task that runs it can be cancelled at any `await` (a timeout fires, the client goes away, the server shuts
down), and cancelling a task cancels whatever it is awaiting, the commit included.

`asyncio.shield(aw)` protects an awaitable: cancelling the task that awaits the shield raises CancelledError
in that task at once, while what is shielded goes on running in a task of its own. On its own that is only
half the job: the caller ends right away, and the commit runs on as an orphan that nobody waits for, whose
result or error nobody sees (and which the loop may still be running at shutdown). The caller must also stay,
let the commit finish, and only then end cancelled, however many times it is cancelled meanwhile.
"""


async def commit_safely(commit):
    """Run `await commit()` to its end, whatever happens to the task running this, and return its result.

    Contract:
    - `commit` is an async function of no arguments; call it exactly once.
    - Not cancelled: return the commit's result as it is; if the commit raises, that same exception propagates
      unchanged.
    - Cancelling the task running `commit_safely` never interrupts the commit (it never receives a
      CancelledError), however many times the task is cancelled while the commit runs.
    - Nor is the commit orphaned: `commit_safely` does not end before the commit has finished. If the task was
      cancelled meanwhile, it then ends cancelled, whether the commit returned or raised (a failed commit's
      exception is then retrieved, never left in a task for the loop to report as "never retrieved").
    - `asyncio.shield` alone is not enough: the caller would end at once, leaving the commit running alone.

    Example:
        task = asyncio.create_task(commit_safely(save_order))
        await asyncio.sleep(0.01)
        task.cancel()        # save_order is not interrupted...
        await asyncio.wait([task])
        # ...and by now it has finished: the task ended cancelled only once the order was saved

    Worth reading: asyncio.shield (https://docs.python.org/3/library/asyncio-task.html#shielding-from-cancellation),
    asyncio.wait, which never cancels what it waits for
    (https://docs.python.org/3/library/asyncio-task.html#asyncio.wait), and task cancellation
    (https://docs.python.org/3/library/asyncio-task.html#task-cancellation).
    """
    raise NotImplementedError
