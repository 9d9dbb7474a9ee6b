"""Kata: clean up, even when cancelled.

A connection taken from a pool, a lock, a temporary file: whatever you acquire, you must give back, however
the work that used it ends. It can end three ways: it returns, it raises, or the task running it is
cancelled. Cancellation is the one people forget. It arrives as `asyncio.CancelledError`, raised at the
`await` the task is stopped at, and since it is a `BaseException`, `except Exception:` does not see it: cleanup
written there is skipped. Catch it with a bare `except:` (or `except BaseException:`) and forget to raise it
again, and the task can no longer be cancelled. `try`/`finally` runs on every way out, and it may `await`:
the cleanup runs to its end before the cancellation goes on up.
"""


async def with_resource(acquire, release, work):
    """Acquire a resource, do the work with it, and release it however the work ends.

    Contract:
    - `acquire` is an async function of no arguments: `resource = await acquire()`, called once.
    - `work` is an async function of one argument: return `await work(resource)`, as it is.
    - `release` is an async function of one argument. Whenever acquire succeeded, `await release(resource)`
      runs exactly once, only after `work` has ended, and has finished before `with_resource` returns or raises:
      - after `work` returned: then return its result;
      - after `work` raised (any exception, even a BaseException): that same exception then propagates
        unchanged;
      - after the task running `with_resource` was cancelled while `work` ran: `work` is cancelled (it receives
        the CancelledError), and once the release has finished the task ends cancelled.
    - If `acquire` raises (its exception propagates unchanged) or the task is cancelled while acquiring (it
      ends cancelled), neither `work` nor `release` is called: there is nothing to give back.

    Example:
        async def acquire():
            return await pool.get_connection()

        async def release(connection):
            await pool.put_back(connection)

        await with_resource(acquire, release, lambda connection: connection.fetch("SELECT 1"))
        # the connection is back in the pool, whether the query returned, raised or was cancelled

    Worth reading: the try statement's finally clause
    (https://docs.python.org/3/reference/compound_stmts.html#finally-clause), task cancellation
    (https://docs.python.org/3/library/asyncio-task.html#task-cancellation) and
    contextlib.asynccontextmanager (https://docs.python.org/3/library/contextlib.html).
    """
    raise NotImplementedError
