"""Kata: fetch with asyncio, parse in processes.

Real programs mix both kinds of work: fetching a page is waiting (the network does the work, and asyncio runs
hundreds of fetches at once in one thread), parsing it is computing (the CPU does the work, and only other
processes run Python code in parallel). Put the two together as a pipeline: each body goes to a process pool the
moment it arrives, so the pool parses the first pages while the slow ones are still on their way. Two phases,
every fetch first and then every parse, leave the pool idle while the network works and the network idle while
the pool works.

One coroutine per url does it: fetch, then hand the body to the pool with `loop.run_in_executor` and await the
result; run one such coroutine for every url at once.
"""


async def fetch_and_parse(fetch, parse, urls, workers: int) -> list:
    """Fetch every url concurrently and parse each body in a pool of `workers` processes as soon as it arrives;
    return the parsed results in url order.

    Contract:
    - `fetch` is an async function of one argument, a url, returning the body (bytes). Call it once for every
      url, all at the same time: start every fetch before waiting for any.
    - `parse` is a CPU-bound, picklable, module-level function of one argument, a body. Call it once for every
      body, in a pool of `workers` processes (never in the event loop's own process, and never more than
      `workers` processes): while bodies are waiting, `workers` parses run at the same time.
    - Hand each body to the pool as soon as its fetch returns, while other urls are still being fetched: not
      once every fetch has finished.
    - Await the pool's results from the event loop without blocking it: other tasks keep running meanwhile.
    - Return a list of the parsed results in the order of `urls`, whatever order they finished in.
      No urls: return [].
    - Shut the pool down and wait for its processes before returning or raising: no child process is left.
    - If a fetch or a parse raises, an exception of the same type, with the same message, propagates (a parse's
      comes back pickled from its worker process: a copy). Not wrapped (not in an ExceptionGroup), not returned
      in the list.

    Example:
        async def fetch(url):
            await asyncio.sleep(0.1)  # the network
            return f"<h1>{url}</h1>".encode()

        def parse(body):  # module-level, so that the pool can pickle it by name
            return body.decode().removeprefix("<h1>").removesuffix("</h1>")

        await fetch_and_parse(fetch, parse, ["home", "about"], workers=2)  # -> ["home", "about"]

    Worth reading: loop.run_in_executor
    (https://docs.python.org/3/library/asyncio-eventloop.html#executing-code-in-thread-or-process-pools),
    concurrent.futures.ProcessPoolExecutor
    (https://docs.python.org/3/library/concurrent.futures.html#processpoolexecutor) and asyncio.gather
    (https://docs.python.org/3/library/asyncio-task.html#asyncio.gather).
    """
    raise NotImplementedError
