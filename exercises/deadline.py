"""Kata: one deadline for many steps.

A request handler that has 2 seconds to answer might make three calls one after another. Giving each call a
timeout of 2 seconds does not keep that promise: three slow calls take almost 6 seconds, and no single one
ever times out. What the handler needs is one deadline, a fixed moment in time that every step shares: when it
passes, whichever step is running is cancelled. `asyncio.timeout` is such a deadline: a context manager whose
limit covers everything awaited inside its block, however many awaits that is.
"""


async def run_steps(steps, deadline: float):
    """Run the steps one after another and return their results, all within one deadline.

    Contract:
    - `steps` is a list of async functions of no arguments. Call each once, in order, one after another:
      a step starts only once the one before it has returned.
    - Return a list of their results, in step order, as soon as the last step is done (do not wait out the
      deadline). No steps: return [].
    - `deadline` (seconds, more than 0) covers the whole sequence, counted from the call. Once it has passed,
      cancel the step that is running and raise `TimeoutError` (the builtin, which `asyncio.TimeoutError` is
      since Python 3.11), promptly; no later step starts. A fresh limit for each step is wrong: three steps
      that each take 0.4 x deadline must time out during the third.
    - A step that raises: its exception propagates unchanged (the same object, even a TimeoutError of its
      own), and no later step runs.
    - Cancellation is not a timeout: if the task running this is cancelled, the running step is cancelled
      and it ends cancelled, not with TimeoutError.

    Example:
        async def step():
            await asyncio.sleep(0.4)
            return "done"

        await run_steps([step, step], deadline=1.0)        # -> ["done", "done"], after 0.8 s
        await run_steps([step, step, step], deadline=1.0)  # TimeoutError after 1.0 s, the third step cancelled

    Worth reading: asyncio.timeout and asyncio.timeout_at
    (https://docs.python.org/3/library/asyncio-task.html#timeouts).
    """
    raise NotImplementedError
