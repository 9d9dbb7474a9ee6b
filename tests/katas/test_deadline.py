"""Hidden suite: deadline.run_steps(steps, deadline)."""

import math

import pytest

from harness import (
    FakeFetch,
    KataCall,
    LoopWatch,
    expect,
    expect_no_leaked_tasks,
    run,
    seconds,
    settle,
    short,
    units,
)

# A deadline far beyond what steps counted in loop iterations take (milliseconds, even on a loaded machine):
# only the checks about the deadline meet it.
FAR = units(5)


def steps_of(fake: FakeFetch, keys: list) -> list:
    return [fake.caller(key) for key in keys]


RAN_TOGETHER = (
    "the steps ran at the same time (gather, or tasks started together): await each step before calling the next"
)
ENDED = {"returned": "run to its end", "raised": "ended raising", "cancelled": "cancelled", "running": "still running"}


@pytest.mark.category("correctness")
async def test_steps_run_in_order_one_at_a_time(kata):
    """Each step is called once, in order, each after the one before has returned; the results come back in
    step order."""
    # Steps counted in loop iterations, some instant, finishing in no particular pattern.
    delays = [6, 0, 3, 1, 5, 0, 2, 4]
    keys = [f"step-{index}" for index in range(len(delays))]
    fake = FakeFetch(delays=dict(zip(keys, delays, strict=False)), ticks=True)
    outcome = await run(kata.run_steps(steps_of(fake, keys), FAR))
    expected = [fake.results(key) for key in keys]
    expect(
        outcome.returned and list(outcome.value or []) == expected,
        saw=f"for {len(keys)} steps, {outcome.describe()}",
        expected=f"the list {short(expected)}",
    )
    expect(
        fake.keys == keys and fake.peak <= 1,
        saw=f"steps called in the order {short(fake.keys)}, with up to {fake.peak} running at a time",
        expected=f"each step called once, in order ({short(keys)}), one at a time",
        mistake=RAN_TOGETHER if fake.peak > 1 else None,
    )


@pytest.mark.category("correctness")
async def test_no_steps_gives_empty_list(kata):
    """No steps: returns []."""
    outcome = await run(kata.run_steps([], FAR))
    expect(
        outcome.returned and outcome.value == [],
        saw=outcome.describe(),
        expected="an empty list",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the steps run, and until the deadline cancels the last one, the event loop keeps running other
    tasks."""
    # Two steps that end at once, then one that outlasts the deadline: code that blocks its loop while it waits
    # for a step blocks it until the deadline, 0.25 s at a stretch (long enough for the stall bound to see it on a
    # loaded machine), and a time.sleep anywhere is named by the sandbox.
    fake = FakeFetch(delay=0.0, delays={"slow": units(5)})
    async with LoopWatch() as watch:
        await run(kata.run_steps(steps_of(fake, ["a", "b", "slow"]), units(2.5)))
    watch.expect_free()


@pytest.mark.category("timeout")
async def test_one_deadline_for_all_steps(kata):
    """Three steps of 0.08 s under a deadline of 0.2 s: TimeoutError at 0.2 s, during the third step. A fresh
    limit per step would let all three finish."""
    deadline = units(2)
    fake = FakeFetch(delay=0.4 * deadline)
    outcome = await run(kata.run_steps(steps_of(fake, ["first", "second", "third"]), deadline))
    # A timer never fires early: a correct solution raises at 0.2 s or later. The nearest wrong behaviours are a
    # fresh 0.2 s limit per step (it returns the list: each step ends 0.12 s within its limit, 2x a loaded machine's
    # worst stall) and the deadline split among the steps (TimeoutError during the first step, after 0.067 s,
    # 0.11 s short of the 0.18 s bound).
    if fake.peak > 1:
        mistake = RAN_TOGETHER
    elif outcome.returned:
        mistake = (
            "the sequence ran past the deadline: it covers all the steps together, counted from the call "
            "(a fresh limit per step, such as asyncio.wait_for(step(), deadline), or a look at the clock only "
            "between steps, lets the steps run over it)"
        )
    elif isinstance(outcome.error, TimeoutError):
        mistake = (
            "the time ran out too early: the steps must share the whole deadline, not a part each "
            "(deadline / len(steps)?)"
        )
    else:
        mistake = None
    expect(
        isinstance(outcome.error, TimeoutError) and outcome.elapsed >= 0.9 * deadline,
        saw=f"three steps of {seconds(0.4 * deadline)} each under a deadline of {seconds(deadline)}: "
        f"{outcome.describe()}",
        expected=f"TimeoutError once the deadline has passed, {seconds(deadline)} after the call",
        mistake=mistake,
    )


@pytest.mark.category("timeout")
async def test_running_step_is_cancelled_promptly(kata):
    """The deadline (0.15 s) passes during a step of 1.2 s: that step is cancelled, TimeoutError comes at about
    0.15 s, and the next step never starts."""
    deadline = units(1.5)
    fake = FakeFetch(delays={"quick": units(0.5), "slow": units(12), "next": units(1)})
    outcome = await run(kata.run_steps(steps_of(fake, ["quick", "slow", "next"]), deadline))
    # The quick step ends 0.1 s before the deadline (2x a loaded machine's worst stall), so the deadline passes
    # during the slow step, which would end at 1.25 s. The bound, 0.4 s, is 2.7x the deadline and 3x short of the
    # slow step's end; the slow step's own record (cancelled, not run to its end) backs it.
    bound = units(4)
    expect(
        isinstance(outcome.error, TimeoutError) and 0.9 * deadline <= outcome.elapsed <= bound,
        saw=f"a deadline of {seconds(deadline)}, and a step that takes {seconds(units(12))}: {outcome.describe()}",
        expected=f"TimeoutError about {seconds(deadline)} after the call (at most {seconds(bound)})",
        mistake=RAN_TOGETHER
        if fake.peak > 1
        else "the deadline is never enforced"
        if outcome.returned
        else "the deadline is only looked at between steps: the step running when it passes must be cancelled "
        "(asyncio.timeout around the whole loop does it)"
        if outcome.elapsed > bound
        else "the time ran out too early: the steps share the whole deadline, counted from the call"
        if isinstance(outcome.error, TimeoutError) and outcome.elapsed < 0.9 * deadline
        else None,
    )
    await settle()
    slow = [call for call in fake.calls if call.key == "slow"]
    left = [call.key for call in fake.calls if call.outcome == "running"]
    expect(
        not left and all(call.outcome == "cancelled" for call in slow),
        saw=f"after the deadline ({outcome.describe()}), the step running at that moment, 'slow', was "
        + (ENDED[slow[0].outcome] if slow else "never called"),
        expected="that step cancelled (it received CancelledError)",
        mistake="the code stopped waiting but left the step running in the background (asyncio.wait with a "
        "timeout does not cancel)"
        if left
        else "the deadline is only looked at between steps, so the running step went on to its end",
    )
    expect(
        "next" not in fake.keys,
        saw=f"steps called: {short(fake.keys)}",
        expected="no step started after the deadline has passed",
        mistake=RAN_TOGETHER if fake.peak > 1 else "after the timeout the loop went on to the next step",
    )
    await expect_no_leaked_tasks(after="the deadline")


@pytest.mark.category("timeout")
async def test_result_is_not_held_back(kata):
    """Steps that finish long before the deadline (1 s): the results come back at once, not at the deadline."""
    deadline = units(10)
    fake = FakeFetch(delay=2, ticks=True)
    outcome = await run(kata.run_steps(steps_of(fake, ["a", "b", "c"]), deadline))
    # The steps take a few loop iterations (milliseconds); waiting out the deadline takes 1.0 s. The bound,
    # 0.4 s, is 2.5x short of that and far above the ideal; the call log shows every step already done.
    bound = units(4)
    expect(
        outcome.returned and outcome.elapsed <= bound,
        saw=f"three steps done within milliseconds, under a deadline of {seconds(deadline)}: {outcome.describe()}",
        expected=f"the results as soon as the last step is done, within {seconds(bound)}",
        mistake="the code sleeps for the whole deadline and only then looks at the steps: "
        "the deadline is a limit, not a wait"
        if outcome.elapsed > bound
        else None,
    )


@pytest.mark.category("exceptions")
async def test_step_error_propagates_unchanged(kata):
    """A step that raises, even a TimeoutError of its own: that very exception comes out, and no later step
    runs."""
    # (steps, index of the failing one, its exception)
    cases = [(4, 2, ValueError("bad input")), (3, 1, TimeoutError("the step's own timeout"))]
    for count, failing, error in cases:
        keys = [f"step-{index}" for index in range(count)]
        fake = FakeFetch(delay=1, ticks=True, errors={keys[failing]: error})
        outcome = await run(kata.run_steps(steps_of(fake, keys), FAR))
        if outcome.returned:
            mistake = "the error was caught and the steps went on: let it propagate"
        elif isinstance(outcome.error, TimeoutError):
            mistake = (
                "a TimeoutError was raised in place of the step's own exception (a new TimeoutError raised "
                "when catching one, or every error turned into a timeout): only the deadline makes a new one"
            )
        else:
            mistake = "the exception was replaced by another one"
        expect(
            outcome.error is error,
            saw=f"step {failing + 1} of {count} raised {short(error)}, and {outcome.describe()}",
            expected="that very exception, raised as it is",
            mistake=mistake,
        )
        expect(
            fake.keys == keys[: failing + 1],
            saw=f"step {failing + 1} of {count} raised; steps called: {short(fake.keys)}",
            expected=f"the steps up to the failing one, {short(keys[: failing + 1])}, and no later one",
            mistake=RAN_TOGETHER if fake.peak > 1 else "the steps after the failing one ran anyway",
        )


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while a step runs: it ends cancelled (not with TimeoutError), and the step is cancelled."""
    fake = FakeFetch(delay=math.inf)
    call = KataCall(kata.run_steps(steps_of(fake, ["first", "second"]), units(10)))
    await call.until_called(fake)
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled during the first step, well before the deadline: {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up",
        mistake="every CancelledError is treated as the deadline: only a cancellation caused by your own deadline "
        "becomes TimeoutError (asyncio.timeout tells them apart)"
        if isinstance(outcome.error, TimeoutError)
        else "CancelledError was caught and turned into something else",
    )
    await settle()
    expect(
        [call.outcome for call in fake.calls] == ["cancelled"],
        saw=f"the steps: {short([(call.key, call.outcome) for call in fake.calls])}",
        expected="the first step cancelled, and no other called",
        mistake=RAN_TOGETHER
        if fake.peak > 1
        else "the step runs in a task of its own that cancelling the call does not reach: cancel it too (and await "
        "it) before letting the CancelledError go on",
    )
    await expect_no_leaked_tasks(after="the call was cancelled")
