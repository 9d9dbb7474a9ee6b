"""Kata: blocking I/O in worker threads.

Not every library speaks asyncio. An ordinary blocking call (reading a file with `open().read()`, a request
with a synchronous HTTP client, a database driver without async support) does not give control back to the
event loop while it waits: called in a coroutine, it stops every other task until it returns. The way out is
to hand the call to a worker thread. The thread blocks; the event loop goes on running other tasks; the
coroutine awaits the thread's result. Several calls handed to several threads also wait at the same time.
"""


async def read_all(read_blocking, paths):
    """Call `read_blocking(path)` for every path, each in a worker thread, all at the same time, and return
    the results in path order.

    Contract:
    - `read_blocking` is an ordinary (not async) function of one argument that blocks while it works. Call it
      exactly once for every item of `paths`, duplicates included, and never in the event loop's own thread.
    - All the calls run at the same time, each in a worker thread, and meanwhile the event loop stays free
      to run other tasks. (asyncio's default thread pool has min(32, CPU count + 4) workers: the checks never
      need more than five at once.)
    - Return a list of the results in the order of `paths`, whatever order the calls finish in.
      No paths: return [] (and call nothing).
    - If a call raises, that exception propagates unchanged: the same exception object, not wrapped (not in
      an ExceptionGroup) and not returned in the list. If several raise, any one of them. Leave no failure
      behind whose exception nobody retrieved. (The other calls may go on in their threads: a running thread
      cannot be stopped from outside.)

    Example:
        def read_blocking(path):
            with open(path) as file:  # blocks the thread it runs in
                return file.read()

        await read_all(read_blocking, ["a.txt", "b.txt"])  # -> [text of a.txt, text of b.txt], read at once

    Worth reading: asyncio.to_thread (https://docs.python.org/3/library/asyncio-task.html#running-in-threads)
    and loop.run_in_executor
    (https://docs.python.org/3/library/asyncio-eventloop.html#executing-code-in-thread-or-process-pools).
    """
    raise NotImplementedError
