"""Hidden suite: callbacks.wait_callback(start).

`start` is a FakeOperation: the judge records its call and the learner's `on_done`, and later calls `on_done` in a
new thread of the sandbox's, with no event loop there. For the wake-up check, that thread calls `on_done` only once
the sandbox's loop waits for events with nothing ready, and the judge then sends nothing: a callback that sets
the future without waking the loop (no call_soon_threadsafe) leaves it asleep, every time, whatever the load.
"""

import asyncio

import pytest
from hypothesis import example, given

from harness import KataCall, LoopErrors, expect, expect_no_leaked_tasks, same, settle, short, units
from harness.callbacks import FakeOperation
from harness.inputs import values
from harness.sandbox import current_sandbox

# Turns of the sandbox's loop for the learner's code to reach its await after calling start.
SETTLE = 10
# A correct wait_callback ends within milliseconds of on_done (or of its cancellation), 55 ms at worst on a loaded,
# throttled machine; a wrong one never does until the judge wakes its loop or lets the operation end: 9x that.
AT_ONCE = units(5)
NO_WAKE = (
    "the future was set from the operation's thread (future.set_result, or loop.call_soon, in on_done): asyncio "
    "is not thread-safe, and the sleeping loop is never told. Use loop.call_soon_threadsafe(...) in on_done"
)


async def ended_within(call: KataCall, bound: float = AT_ONCE) -> bool:
    done, _ = await asyncio.wait([call.task], timeout=bound)
    return bool(done)


async def finish(call: KataCall, delivered) -> tuple[bool, object]:
    """Whether the call ended within AT_ONCE, and how it ended (cancelled by the check if it had not, or at once
    if on_done raised: then nothing will come)."""
    ended = delivered.returned and await ended_within(call)
    if not ended:
        call.cancel()
    return ended, await call.outcome()


async def started(kata, operation: FakeOperation, turns: int = SETTLE) -> KataCall:
    """The learner's call, once it has called start and the sandbox's loop has taken `turns` more turns."""
    call = KataCall(kata.wait_callback(operation))
    await operation.until_started(call)
    if not operation.started:  # it ended without calling start: a stub's NotImplementedError, say
        outcome = await call.outcome()
        expect(False, saw=f"wait_callback {outcome.describe().removeprefix('it ')}", expected="start(on_done) called")
    if turns:
        await settle(turns)
    return call


@pytest.mark.category("correctness")
@given(values)
@example(None)
@example(0)
@example("")
@example(False)
async def test_returns_the_result(kata, value):
    """on_done(result, None) from another thread: wait_callback returns that result as it is, falsy ones included,
    and never calls cancel()."""
    operation = FakeOperation()
    call = await started(kata, operation, turns=0)  # on_done may come at once: the loop takes it when it can
    delivered = await operation.deliver(value, None)
    ended, outcome = await finish(call, delivered)
    operation.expect_callback_returned(delivered, "with the result")
    expect(
        ended and outcome.returned and same(outcome.value, value),
        saw=f"on_done({short(value)}, None) was called, and wait_callback {outcome.describe().removeprefix('it ')}",
        expected=f"it returns {short(value)} as it is",
        mistake="a falsy result was taken for no result: test `error is not None`, not the result's truth"
        if not value and outcome.error is not None
        else None,
    )
    expect(
        not operation.cancels,
        saw=f"cancel() called {len(operation.cancels)} time(s) although the operation completed",
        expected="cancel() only when the caller is cancelled before the outcome",
        mistake="cancel() called in a finally: block: call it only on cancellation",
    )


@pytest.mark.category("correctness")
async def test_outcome_before_start_returns(kata):
    """on_done is called from another thread before start has even returned: the result still comes back."""
    result = object()
    operation = FakeOperation(early=(result, None))
    call = KataCall(kata.wait_callback(operation))
    await call.until(lambda: bool(operation.deliveries))
    delivered = operation.deliveries[0] if operation.deliveries else None
    ended = delivered is not None and delivered.returned and await ended_within(call)
    if not ended:
        call.cancel()
    outcome = await call.outcome()
    expect(
        delivered is not None and delivered.returned,
        saw="on_done, called before start returned, "
        + (delivered.describe().removeprefix("it ") if delivered else "was never handed to start"),
        expected="on_done to work from the moment start is called",
        mistake="what on_done uses (the loop, the future) is made only after start returns: make it before "
        "calling start",
    )
    expect(
        outcome.returned and outcome.value is result,
        saw=f"wait_callback {outcome.describe().removeprefix('it ')}"
        + ("" if ended else ", only once the check cancelled it"),
        expected="the result given to on_done, returned as it is",
    )


@pytest.mark.category("exceptions")
@pytest.mark.parametrize("result", [None, "partial"])
async def test_error_is_raised(kata, result):
    """on_done(result, error): that very error is raised, whatever the result is."""
    failure = ConnectionError("connection reset")
    operation = FakeOperation()
    call = await started(kata, operation)
    delivered = await operation.deliver(result, failure)
    _, outcome = await finish(call, delivered)
    operation.expect_callback_returned(delivered, "with an error")
    expect(
        outcome.error is failure,
        saw=f"on_done({short(result)}, {short(failure)}) was called, and wait_callback "
        f"{outcome.describe().removeprefix('it ')}",
        expected="that very exception raised, unchanged",
        mistake="the result was looked at first: an error, when there is one, wins whatever the result"
        if outcome.returned
        else "the exception was wrapped or replaced: future.set_exception(error) raises it as it is"
        if outcome.error is not None
        else None,
    )
    await expect_no_leaked_tasks(after="wait_callback raised")


@pytest.mark.category("concurrency")
async def test_loop_wakes_when_on_done_is_called(kata):
    """on_done is called while the event loop sleeps with nothing else to do: the loop wakes and wait_callback
    returns at once."""
    operation = FakeOperation()
    call = await started(kata, operation)
    delivered = await operation.deliver("pong", None, once_idle=True)
    # The judge sends nothing meanwhile: only on_done can wake the loop.
    woke = delivered.returned and await ended_within(call)
    ended = woke
    if delivered.returned and not woke:
        await settle()  # wakes it anyway, so the check can end
        ended = await ended_within(call)
    if not ended:
        call.cancel()
    outcome = await call.outcome()
    operation.expect_callback_returned(delivered, "with the result")
    expect(
        woke,
        saw=f"on_done('pong', None) was called while the loop slept, and wait_callback had not ended "
        f"{AT_ONCE:.2f} s later; it {outcome.describe().removeprefix('it ')} only once something else woke "
        "the loop"
        if ended
        else f"on_done('pong', None) was called, and wait_callback {outcome.describe().removeprefix('it ')}",
        expected="the loop to wake at once and wait_callback to return 'pong'",
        mistake=NO_WAKE if ended else None,
    )


@pytest.mark.category("timeout")
async def test_cancelled_caller_cancels_the_operation(kata):
    """The caller is cancelled before the outcome: cancel() is called exactly once, and wait_callback ends cancelled
    at once, without waiting for the outcome."""
    operation = FakeOperation()
    call = await started(kata, operation)
    call.cancel()
    ended = await ended_within(call)
    await settle()
    if not ended:
        await operation.deliver("late", None)
    outcome = await call.outcome()
    expect(
        ended and outcome.cancelled,
        saw=f"cancelled before the outcome came, wait_callback {outcome.describe().removeprefix('it ')}"
        + ("" if ended else ", only once on_done was called"),
        expected="it ends cancelled at once",
        mistake="after the cancellation it went on waiting for the outcome, which may never come"
        if not ended
        else "the CancelledError was caught and not raised again",
    )
    expect(
        len(operation.cancels) == 1,
        saw=f"cancel() called {len(operation.cancels)} time(s)",
        expected="exactly once",
        mistake="the CancelledError is not caught to cancel the operation: catch it, call cancel(), then raise"
        if not operation.cancels
        else "cancel() called in more than one place (an except: and a finally:?)",
    )
    await expect_no_leaked_tasks(after="wait_callback ended cancelled")


@pytest.mark.category("exceptions")
@pytest.mark.parametrize("late", ["result", "error"])
async def test_late_outcome_is_ignored(kata, late):
    """After the caller was cancelled, the operation calls on_done anyway: on_done returns quietly and nothing is
    logged."""
    operation = FakeOperation()
    async with LoopErrors() as loop_errors:
        call = await started(kata, operation)
        call.cancel()
        await ended_within(call)
        await settle()
        if late == "result":
            delivered = await operation.deliver("late", None)
        else:
            delivered = await operation.deliver(None, ConnectionError("too late"))
        await settle(SETTLE)
        if not call.task.done():
            call.cancel()
        await call.outcome()
    operation.expect_callback_returned(delivered, f"with a late {late} after the caller was cancelled")
    loop_errors.expect_none(
        mistake="the late outcome was set on a future that was already cancelled (InvalidStateError), or an "
        "exception set on it was never retrieved: check future.done() in the loop's thread before setting it"
    )


@pytest.mark.category("exceptions")
async def test_late_outcome_after_the_loop_closed(kata):
    """The caller was cancelled, its event loop has closed, and then the operation calls on_done: it returns
    quietly."""
    operation = FakeOperation()
    call = await started(kata, operation)
    call.cancel()
    if not await ended_within(call):
        call.cancel()  # still waiting for the outcome: this check is about on_done, not about that
        await ended_within(call)
    current_sandbox().end()  # the sandbox closes this check's event loop; the next call opens another
    delivered = await operation.deliver("late", None)
    operation.expect_callback_returned(delivered, "after the caller's event loop had closed")
