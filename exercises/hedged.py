"""Kata: hedged requests.

A request to one replica of a service is usually fast, but now and then one is slow (a pause for garbage
collection, a busy disk), and waiting for it makes your slowest requests very slow. A hedged request waits a
little and, if no answer has come, asks the next replica too, keeping the first request running: whichever
answers first wins, and the others are cancelled. It costs a few extra requests and cuts the slow tail. A
replica that fails outright is no reason to wait: ask the next one at once.
"""


async def hedged_fetch(fetch, replicas, delay: float):
    """Call `fetch(replicas[0])`; while no answer has come, add the next replica every `delay` seconds, and
    return the first successful result.

    Contract:
    - `fetch` is an async function of one argument, `replicas` a list. Call `fetch(replicas[0])` at once.
    - Whenever `delay` seconds have passed since the most recent call started and no call has succeeded, also
      call `fetch` with the next replica, in list order. The earlier calls keep running. Each item of
      `replicas` is called at most once: after the last one, just wait for the calls still running.
    - When a call raises an `Exception`, call the next replica at once, without waiting for the delay (which
      then counts from that new call's start).
    - Return the first successful result as soon as it arrives. Before returning, cancel every call still
      running, and wait until each has ended.
    - If every replica fails, raise an `ExceptionGroup` holding all their exceptions (the very objects, in any
      order).
    - An empty `replicas`: raise `ValueError`.
    - Cancellation is never swallowed: if the task running this is cancelled, it ends cancelled.
    - The delay is kept on the event loop's clock: wait with `asyncio.wait(..., timeout=...)`, `asyncio.sleep`
      or `asyncio.timeout`, and read the time, if you need it, with `loop.time()` (some checks run the loop on
      a simulated clock, which `time.monotonic()` does not follow).

    Example:
        # fetch("a") would take 1 s, fetch("b") 0.1 s
        await hedged_fetch(fetch, ["a", "b", "c"], delay=0.2)
        # 0.0 s: fetch("a") starts; 0.2 s: no answer yet, fetch("b") starts too; 0.3 s: "b" answers, so
        # fetch("a") is cancelled and "b"'s result is returned. fetch("c") is never called.

    Worth reading: asyncio.wait, with timeout= and return_when=FIRST_COMPLETED, and Task.cancel
    (https://docs.python.org/3/library/asyncio-task.html#waiting-primitives), and ExceptionGroup
    (https://docs.python.org/3/library/exceptions.html#exception-groups).
    """
    raise NotImplementedError
