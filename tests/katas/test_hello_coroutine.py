"""Hidden suite: hello_coroutine.delayed_greeting(name, delay)."""

import asyncio

import pytest
from hypothesis import given

from harness import KataCall, LoopWatch, Stopwatch, expect, run, seconds, settle, short, units
from harness.checks import swallowed
from harness.inputs import text


@pytest.mark.category("correctness")
@given(text(20))
async def test_greets_by_name(kata, name):
    """Returns "Hello, NAME!" for any name: empty, unicode, spaces."""
    outcome = await run(kata.delayed_greeting(name, 0))
    expected = f"Hello, {name}!"
    expect(
        outcome.returned and outcome.value == expected,
        saw=f"for name {short(name)}, {outcome.describe()}",
        expected=f"the string {short(expected)}",
        mistake='the greeting is not built exactly as f"Hello, {name}!" (comma, space and exclamation mark)',
    )


@pytest.mark.category("correctness")
async def test_waits_the_delay(kata):
    """Waits at least the delay before returning."""
    delay = units(1)  # a delay never awaited returns within milliseconds, whatever the load: 0.1 s tells it
    with Stopwatch() as watch:
        outcome = await run(kata.delayed_greeting("Ada", delay))
    expect(
        outcome.returned and watch.elapsed >= delay * 0.9,
        saw=outcome.describe(),
        expected=f"'Hello, Ada!' after at least {seconds(delay)}",
        mistake="the delay was never awaited: a coroutine such as asyncio.sleep(delay) does nothing "
        "until it is awaited",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While it waits, the event loop keeps running other tasks."""
    async with LoopWatch() as watch:
        await run(kata.delayed_greeting("Ada", units(3)))
    watch.expect_free()


@pytest.mark.category("concurrency")
async def test_greetings_wait_together(kata):
    """Ten greetings of 0.1 s started together take about 0.1 s in all, not 1 s."""
    delay = units(1)
    with Stopwatch() as watch:
        outcomes = await asyncio.gather(*(run(kata.delayed_greeting(f"guest {i}", delay)) for i in range(10)))
    expect(
        all(outcome.returned for outcome in outcomes),
        saw=outcomes[0].describe(),
        expected="every greeting returned",
    )
    # Together: 0.1 s; one after another (the loop blocked while waiting): 1 s. The bound is 4x the one and
    # 2.5x short of the other.
    expect(
        watch.elapsed <= units(4),
        saw=f"10 greetings of {seconds(delay)} started together took {seconds(watch.elapsed)}",
        expected=f"about {seconds(delay)} in all, under {seconds(units(4))}",
        mistake="the wait blocks the event loop (time.sleep?), so the greetings ran one after another",
    )


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while it waits, it ends cancelled."""
    call = KataCall(kata.delayed_greeting("Ada", units(5)))
    await settle()
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while waiting, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up",
        mistake=swallowed(
            outcome,
            "CancelledError was caught (a bare except:, or except BaseException:) and not raised again",
        ),
    )
