"""Kata: shut down on a signal, with a grace period.

A service that runs until it is told to stop is stopped by a signal: `SIGTERM` from a process manager (systemd,
Docker, Kubernetes), `SIGINT` from Ctrl-C. Stopping well means: take no new work, give the work under way a
little time to finish, then cancel what is left and wait for it, and only then exit, saying whether everything
ended cleanly. In an asyncio program the signal must not interrupt whatever code happens to be running (as
Python's default `KeyboardInterrupt` does): `loop.add_signal_handler(signum, callback)` makes the loop call
`callback` in its own thread, between steps, like any other callback, where it can set an `asyncio.Event`.

The rest is structured concurrency you know: a task per job, kept in a set; `asyncio.wait(tasks,
timeout=grace)` for the grace period; `task.cancel()` for what is left, then waiting until it has ended. And
cleanup that runs whichever way `serve` ends: its own cancellation, an error from the job source, or a normal
return; the signal handlers removed with `loop.remove_signal_handler`.
"""


async def serve(jobs, handle, *, grace: float) -> int:
    """Run `handle(job)` for every job until the jobs end or a signal says stop; return 0 or 1.

    Contract:
    - `jobs` is an async iterator; `handle` an async function. `serve` runs in the main thread (signal handlers
      can only be installed there).
    - Take the jobs one after another and start `handle(job)` for each as soon as it arrives, without waiting
      for the handles already running: they all run concurrently.
    - Install handlers for `SIGINT` and `SIGTERM` with `loop.add_signal_handler`, and remove both before `serve`
      returns or raises, whichever way it ends.
    - When either signal arrives (also after `jobs` has ended, while handles still run): stop taking jobs (the
      read under way is cancelled), give the running handles up to `grace` seconds to finish (return as soon as
      they have), then cancel those left, once, and wait until they have ended. A second signal during the grace
      period is ignored.
    - When `jobs` ends without a signal: wait for every running handle.
    - Return 0 when every handle finished by itself; 1 when any had to be cancelled or raised. A handle's
      exception never stops the others, and is never left unretrieved.
    - When `jobs` raises: cancel the running handles, wait until they have ended, then raise that exception.
    - When `serve` itself is cancelled: cancel every handle at once (no grace), wait until they have ended, then
      end cancelled.

    Example:
        async def main():
            code = await serve(queue_consumer(), process_order, grace=10)
            sys.exit(code)  # 0: a clean stop; 1: some work was cut short or failed

    Worth reading: loop.add_signal_handler and remove_signal_handler
    (https://docs.python.org/3/library/asyncio-eventloop.html#unix-signals), asyncio.wait with a timeout
    (https://docs.python.org/3/library/asyncio-task.html#asyncio.wait), and the signal module
    (https://docs.python.org/3/library/signal.html).
    """
    raise NotImplementedError
