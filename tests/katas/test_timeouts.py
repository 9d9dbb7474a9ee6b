"""Hidden suite: timeouts.fetch_with_timeout(fetch, key, timeout)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness import FakeFetch, KataCall, expect, expect_no_leaked_tasks, run, same, seconds, short, units
from harness.inputs import text
from harness.timing import until

TIMEOUT = units(2)
# A fetch that would take 1.2 s: a solution that waits for it is 2.4x past the 0.5 s bound,
# which is itself 2.5x the timeout.
SLOW = units(12)
PROMPT = units(5)


@pytest.mark.category("correctness")
@given(st.one_of(st.none(), st.integers(), text(5)), text(3))
async def test_returns_result_in_time(kata, value, key):
    """A fetch that finishes in time: its result comes back, as it is."""
    fake = FakeFetch(results=lambda _: value, ticks=True, delay=2)
    outcome = await run(kata.fetch_with_timeout(fake, key, units(5)))
    expect(
        outcome.returned and same(outcome.value, value),
        saw=outcome.describe(),
        expected=f"the fetched value, {short(value)}",
    )
    expect(fake.keys == [key], saw=f"fetch called with {short(fake.keys)}", expected=f"one call, with {short(key)}")


@pytest.mark.category("timeout")
async def test_fast_result_is_not_held_back(kata):
    """A fetch of 0.1 s under a 1 s timeout: the result comes back after 0.1 s, not after 1 s."""
    fake = FakeFetch(delay=units(1))
    outcome = await run(kata.fetch_with_timeout(fake, "k", units(10)))
    expect(
        outcome.returned and outcome.elapsed <= units(4),
        saw=outcome.describe(),
        expected=f"the result as soon as the fetch is done, after about {seconds(units(1))}",
        mistake="the code sleeps for the whole timeout and only then looks at the fetch: "
        "the timeout is a limit, not a wait",
    )


@pytest.mark.category("timeout")
async def test_slow_fetch_raises_timeout_promptly(kata):
    """A fetch of 1.2 s under a 0.2 s timeout: TimeoutError about 0.2 s after the call."""
    fake = FakeFetch(delay=SLOW)
    outcome = await run(kata.fetch_with_timeout(fake, "k", TIMEOUT))
    expect(
        isinstance(outcome.error, TimeoutError) and TIMEOUT * 0.9 <= outcome.elapsed <= PROMPT,
        saw=f"with a timeout of {seconds(TIMEOUT)} and a fetch of {seconds(SLOW)}, {outcome.describe()}",
        expected=f"TimeoutError after about {seconds(TIMEOUT)} (at most {seconds(PROMPT)})",
        mistake="the timeout is never applied, or the code waits for the fetch to finish anyway"
        if outcome.elapsed > PROMPT
        else "the result of a timeout is TimeoutError, raised once the time has passed",
    )


@pytest.mark.category("timeout")
async def test_timed_out_fetch_is_cancelled(kata):
    """When the time is up, the fetch is cancelled and no task is left running."""
    fake = FakeFetch(delay=SLOW)
    outcome = await run(kata.fetch_with_timeout(fake, "k", TIMEOUT))
    # A fetch cancelled and not waited for ends once its cancellation has reached the judge (a round trip), and so
    # does the task in the learner's loop that waits on it: give it 0.2 s, far longer than that, and far short of
    # the 1.2 s an uncancelled fetch runs.
    await until(lambda: not fake.running, units(2))
    await expect_no_leaked_tasks(after="the timeout")
    expect(
        len(fake.cancelled) == 1,
        saw=f"after the timeout ({outcome.describe()}), the fetch "
        + (fake.calls[0].outcome if fake.calls else "was never called"),
        expected="the fetch cancelled (it received CancelledError)",
        mistake="the code stopped waiting but left the fetch running in the background "
        "(asyncio.wait with a timeout does not cancel; asyncio.shield protects it from cancellation)",
    )


@pytest.mark.category("exceptions")
async def test_fetch_error_propagates_unchanged(kata):
    """A fetch that raises in time: that very exception comes out, not a TimeoutError."""
    failure = ConnectionError("refused")
    fake = FakeFetch(errors={"k": failure})
    # Five times the fetch's 0.1 s: it raises well in time, and code that sits out the whole timeout costs 0.5 s.
    outcome = await run(kata.fetch_with_timeout(fake, "k", units(5)))
    expect(
        outcome.error is failure,
        saw=f"fetch raised {short(failure)}, and {outcome.describe()}",
        expected="that very exception, raised as it is",
        mistake="every exception is turned into TimeoutError (or caught): only the timeout itself is a TimeoutError",
    )


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while waiting for the fetch: it ends cancelled, not with a TimeoutError or a result."""
    fake = FakeFetch(delay=math.inf)
    call = KataCall(kata.fetch_with_timeout(fake, "k", units(10)))
    await call.until_called(fake)
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while fetching, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up",
        mistake="CancelledError was caught and turned into something else",
    )
