"""Kata: retries with backoff and timeouts.

Calls over a network fail now and then, and a second try often works. A good retry loop does three things.
It limits each attempt, so one hung call cannot hold everything up: a timeout cancels it and counts it as a
failure. It waits between attempts, longer each time (exponential backoff: 1 s, 2 s, 4 s...), so a struggling
service gets room to recover instead of a flood of retries. And it retries only failures: when the caller
cancels the retry, that cancellation is an order to stop, not an error to try again.
"""


async def retry(op, attempts: int, base_delay: float, timeout: float):
    """Return `await op()`, trying up to `attempts` times, each attempt limited to `timeout` seconds, with a
    wait that doubles between attempts.

    Contract:
    - `op` is an async function of no arguments; each attempt is one call, `await op()`.
    - `attempts < 1` raises `ValueError` (and calls nothing).
    - Each attempt is limited to `timeout` seconds: one still running then is cancelled and counts as a
      failure, with a `TimeoutError`.
    - A failure is any `Exception` (that `TimeoutError` included). Any other `BaseException` propagates at
      once, with no further attempt.
    - After the k-th failure (k = 1, 2, ...), if an attempt remains, wait `base_delay * 2 ** (k - 1)` seconds
      (base_delay, then twice that, then four times...), counted from that failure, then try again. No wait
      after the last attempt.
    - Return the first attempt's result that succeeds, as it is (even None). If every attempt fails, raise the
      last attempt's exception, unchanged (the very object; `TimeoutError` if it timed out).
    - If the task running `retry` is cancelled (during an attempt or a wait), it ends cancelled at once: that
      is never retried, and no further attempt starts. Leave no attempt running.

    Example:
        async def flaky():
            ...  # fails twice with ConnectionError, then returns "ok"

        await retry(flaky, attempts=5, base_delay=0.1, timeout=1.0)
        # attempt 1 fails, wait 0.1 s; attempt 2 fails, wait 0.2 s; attempt 3 returns "ok"

    Worth reading: asyncio.timeout and asyncio.wait_for (https://docs.python.org/3/library/asyncio-task.html#timeouts),
    asyncio.sleep, and asyncio.CancelledError (https://docs.python.org/3/library/asyncio-exceptions.html).
    """
    raise NotImplementedError
