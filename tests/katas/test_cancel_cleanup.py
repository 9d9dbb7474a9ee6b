"""Hidden suite: cancel_cleanup.with_resource(acquire, release, work).

Every "release has finished before the call ended" is judged by AtEnd, which records how the fakes' calls stood
in the very step the learner's function returned or raised: no clock involved. Fakes count their delays in
loop iterations, or never end by themselves (math.inf) when a check cancels.
"""

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import AtEnd, FakeFetch, KataCall, expect, expect_no_leaked_tasks, run, same, short
from harness.checks import swallowed
from harness.cleanup import as_function
from harness.inputs import values

# Hashable (the fakes key their calls by the resource); values cross from the sandbox as data, so "passed on as it
# is" means the same type and an equal value: None, 0, False and "" included.
ticks = st.integers(0, 3)
RESOURCE = "connection"


class Interrupt(BaseException):
    """Stands for KeyboardInterrupt or SystemExit, which would stop the test run itself if raised here."""


class Resource:
    """acquire (handing out `resource`), work and release, their delays in loop iterations (work_delay=math.inf:
    work never ends by itself), and the call of with_resource made with them."""

    def __init__(
        self,
        *,
        resource=RESOURCE,
        value=None,
        acquire_delay=1,
        work_delay=1,
        release_delay=2,
        acquire_errors=None,
        work_errors=None,
    ):
        self.resource = resource
        self.acquire = FakeFetch(
            results=lambda _: resource, delay=acquire_delay, ticks=not math.isinf(acquire_delay), errors=acquire_errors
        )
        self.work = FakeFetch(
            results=lambda _: value, delay=work_delay, ticks=not math.isinf(work_delay), errors=work_errors
        )
        self.release = FakeFetch(delay=release_delay, ticks=True)
        self.at_end = AtEnd(self.work, self.release)

    def call(self, kata):
        """The learner's coroutine, watched by AtEnd."""
        return self.at_end.watch(
            kata.with_resource(
                as_function(self.acquire, "acquire", key="acquire"),
                as_function(self.release, "release"),
                as_function(self.work, "work"),
            )
        )

    def released_once(self) -> bool:
        """release called exactly once, with the resource, and finished by the time with_resource ended."""
        return self.at_end.outcomes(self.release) == ["returned"] and same(self.release.calls[0].key, self.resource)

    def release_state(self, when: str) -> str:
        keys = self.release.keys
        wrong_key = ""
        if keys and not same(keys[0], self.resource):
            wrong_key = f"; release was given {short(keys[0])}, not the resource"
        return f"when with_resource {when}, " + self.at_end.describe(self.release, "release") + wrong_key

    def release_mistake(self, skipped: str) -> str:
        """The likely mistake behind a release that was not called exactly once and awaited to its end."""
        outcomes = self.at_end.outcomes(self.release) or []
        if not self.release.calls:
            return skipped
        if len(self.release.calls) > 1:
            return "release runs twice: once in an except clause, and again in finally (or after the try)"
        if outcomes != ["returned"]:
            return (
                "release was started but not awaited to its end (a task created for it, not awaited): "
                "`await release(resource)` in a finally clause"
            )
        return "release must be given the very object that acquire returned"


@pytest.mark.category("correctness")
@given(values, values, ticks, ticks, ticks)
@example(RESOURCE, 42, 0, 0, 0)
async def test_returns_the_work_result(kata, resource, value, acquire_ticks, work_ticks, release_ticks):
    """acquire once, work with its resource, release that resource once: work's result comes back, as it is."""
    fakes = Resource(
        resource=resource, value=value, acquire_delay=acquire_ticks, work_delay=work_ticks, release_delay=release_ticks
    )
    outcome = await run(fakes.call(kata))
    expect(
        outcome.returned and same(outcome.value, value),
        saw=f"work returned {short(value)}, and {outcome.describe()}",
        expected=f"work's result, {short(value)}, returned as it is",
    )
    expect(
        len(fakes.acquire.calls) == 1,
        saw=f"{len(fakes.acquire.calls)} calls of acquire",
        expected="exactly one call",
    )
    expect(
        len(fakes.work.calls) == 1 and same(fakes.work.calls[0].key, resource),
        saw=f"acquire returned {short(resource)}, then work was called with {short(fakes.work.keys)}",
        expected=f"one call of work, with that resource, {short(resource)}",
    )
    expect(
        fakes.released_once(),
        saw=fakes.release_state("returned"),
        expected=f"one call of release, with the resource {short(resource)}, finished before with_resource returned",
        mistake=fakes.release_mistake(
            skipped="release never ran after work returned: `await release(resource)`, in a finally clause"
        ),
    )


@pytest.mark.category("correctness")
async def test_release_runs_after_the_work_and_before_returning(kata):
    """release starts once work has ended, and with_resource returns only once release has finished."""
    fakes = Resource(work_delay=3, release_delay=10)
    outcome = await run(fakes.call(kata))
    expect(outcome.returned, saw=outcome.describe(), expected="work's result, returned")
    expect(
        fakes.released_once(),
        saw=fakes.release_state("returned"),
        expected="release called once, and finished before with_resource returned",
        mistake=fakes.release_mistake(
            skipped="release never ran after work returned: `await release(resource)`, in a finally clause"
        ),
    )
    work_ended = fakes.work.calls[0].ended if fakes.work.calls else None
    expect(
        work_ended is not None and fakes.release.calls[0].started >= work_ended,
        saw="release started while work was still running",
        expected="release only once work has ended: the resource is in use until then",
        mistake="release is called before work is awaited to its end",
    )
    await expect_no_leaked_tasks(after="with_resource returned")


@pytest.mark.category("exceptions")
async def test_work_error_propagates_after_release(kata):
    """work raises (an Exception, or a BaseException like KeyboardInterrupt): release runs once, then that very
    exception propagates."""
    for failure in (ConnectionError("connection lost"), Interrupt("stop")):
        fakes = Resource(work_errors={RESOURCE: failure})
        outcome = await run(fakes.call(kata))
        expect(
            outcome.error is failure,
            saw=f"work raised {short(failure)}, and {outcome.describe()}",
            expected="that very exception, raised as it is once the resource is released",
            mistake="the exception was caught and not raised again (a bare except:, or except BaseException:, "
            "that returns)"
            if outcome.error is None
            else "the exception was replaced by another one",
        )
        expect(
            fakes.released_once(),
            saw=f"work raised {short(failure)}; " + fakes.release_state("raised it"),
            expected="release called once, and finished before the exception propagated",
            mistake=fakes.release_mistake(
                skipped="release never ran when work raised: `await release(resource)` in a finally clause runs on "
                "every way out"
                if isinstance(failure, Exception)
                else "cleanup in `except Exception:` misses BaseExceptions such as KeyboardInterrupt: "
                "a finally clause runs on every way out",
            ),
        )


@pytest.mark.category("exceptions")
async def test_cancelled_work_is_released(kata):
    """Cancelled while work runs: release still runs once, and has finished before the task ends."""
    fakes = Resource(work_delay=math.inf)
    call = KataCall(fakes.call(kata))
    await call.until_called(fakes.work)
    call.cancel()
    await call.outcome()
    expect(
        fakes.released_once(),
        saw="cancelled while work ran; " + fakes.release_state("ended"),
        expected="release called once, and finished before the task ended",
        mistake=fakes.release_mistake(
            skipped="release never ran on cancellation: CancelledError is a BaseException, so cleanup in "
            "`except Exception:` (or after the await) is skipped; `await release(resource)` in a finally clause "
            "runs on every way out",
        ),
    )


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while work runs: once the resource is released, the task ends cancelled."""
    fakes = Resource(work_delay=math.inf)
    call = KataCall(fakes.call(kata))
    await call.until_called(fakes.work)
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while work ran, {outcome.describe()}",
        expected="it ends cancelled: after the release, asyncio.CancelledError goes on up",
        mistake=swallowed(
            outcome,
            "CancelledError was caught (a bare except:, except BaseException: or except CancelledError:) "
            "and not raised again: cleanup belongs in finally, which re-raises by itself",
        ),
    )


@pytest.mark.category("exceptions")
async def test_acquire_error_skips_release(kata):
    """acquire raises: that very exception propagates, and neither work nor release is called."""
    failure = TimeoutError("pool exhausted")
    fakes = Resource(acquire_errors={"acquire": failure})
    outcome = await run(fakes.call(kata))
    expect(
        outcome.error is failure,
        saw=f"acquire raised {short(failure)}, and {outcome.describe()}",
        expected="that very exception, raised as it is",
        mistake="the exception was caught and not raised again"
        if outcome.error is None
        else "something called after the failed acquire (release(None)? work?) raised another error",
    )
    expect(
        not fakes.release.calls and not fakes.work.calls,
        saw=f"acquire failed, then release was called with {short(fakes.release.keys)} "
        f"and work with {short(fakes.work.keys)}",
        expected="no call of release or work: nothing was acquired, so there is nothing to give back",
        mistake="acquire is inside the try whose finally releases: acquire first, then enter the try",
    )


@pytest.mark.category("exceptions")
async def test_cancelled_acquire_skips_release(kata):
    """Cancelled while acquiring: it ends cancelled, and neither work nor release is called."""
    fakes = Resource(acquire_delay=math.inf)
    call = KataCall(fakes.call(kata))
    await call.until_called(fakes.acquire)
    call.cancel()
    outcome = await call.outcome()
    acquire = fakes.acquire.calls[0].outcome if fakes.acquire.calls else "never called"
    expect(
        outcome.cancelled and acquire == "cancelled",
        saw=f"cancelled while acquiring, {outcome.describe()}; acquire's call ended {acquire}",
        expected="it ends cancelled, and so does acquire (it receives the CancelledError)",
        mistake="CancelledError was caught and not raised again"
        if not outcome.cancelled
        else "acquire was protected from cancellation (asyncio.shield, or a task nobody cancels): await it directly",
    )
    expect(
        not fakes.release.calls and not fakes.work.calls,
        saw=f"cancelled while acquiring, then release was called with {short(fakes.release.keys)} "
        f"and work with {short(fakes.work.keys)}",
        expected="no call of release or work: nothing was acquired, so there is nothing to give back",
        mistake="acquire is inside the try whose finally releases: acquire first, then enter the try",
    )
    await expect_no_leaked_tasks(after="with_resource ended")


@pytest.mark.category("timeout")
async def test_cancel_stops_the_work(kata):
    """Cancelled while work runs: work receives the CancelledError and has ended before release starts; nothing
    is left running."""
    fakes = Resource(work_delay=math.inf)
    call = KataCall(fakes.call(kata))
    await call.until_called(fakes.work)
    call.cancel()
    outcome = await call.outcome()
    expect(
        fakes.at_end.outcomes(fakes.work) == ["cancelled"],
        saw=f"cancelled while work ran, {outcome.describe()}; by then " + fakes.at_end.describe(fakes.work, "work"),
        expected="work cancelled (it received the CancelledError) and ended",
        mistake="work was protected from cancellation (asyncio.shield, or a task nobody cancels), so it goes on "
        "using the resource after with_resource has ended: await work(resource) directly",
    )
    release = fakes.release.calls[0] if fakes.release.calls else None
    expect(
        release is None or release.started >= fakes.work.calls[0].ended,
        saw="release started before work had ended",
        expected="release only once work has ended: the resource is in use until then",
        mistake="work was told to cancel (task.cancel()) but not awaited before the release: cancel() only "
        "asks, the work ends a moment later",
    )
    await expect_no_leaked_tasks(after="with_resource ended")
