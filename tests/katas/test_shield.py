"""Hidden suite: shield.commit_safely(commit).

The commit is a GatedFetch: it runs until the check opens its gate, so the check cancels the learner's task
(once, or twice) while the commit is surely still running, with no timer to race. AtEnd records how the commit
stood in the very step commit_safely ended: an orphaned commit shows as "running", whatever the machine's load.
"""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import AtEnd, FakeFetch, KataCall, LoopErrors, expect, expect_no_leaked_tasks, run, same, settle, short
from harness.checks import swallowed
from harness.cleanup import GatedFetch, as_function
from harness.inputs import values

# Loop iterations given to the learner's code after a cancel() to catch the CancelledError and wait again (or,
# if it is wrong, to end): a correct solution needs one or two.
SETTLE = 10

INTERRUPTED = (
    "awaiting the commit directly passes the cancellation on to it: run it in a task of its own "
    "(asyncio.ensure_future) and wait for that task in a way that does not cancel it (asyncio.shield, asyncio.wait)"
)


class Commit:
    """A commit that runs until `finish()`, raising `error` then if given; the learner's call of
    commit_safely with it, watched by AtEnd, in a task the check can cancel."""

    def __init__(self, kata, error: BaseException | None = None) -> None:
        self.fake = GatedFetch(errors={"commit": error} if error is not None else None)
        self.at_end = AtEnd(self.fake)
        self.call = KataCall(self.at_end.watch(kata.commit_safely(as_function(self.fake, "commit", key="commit"))))

    async def started(self) -> None:
        await self.call.until_called(self.fake)

    async def cancel(self) -> None:
        self.call.cancel()
        await settle(SETTLE)

    async def finish(self):
        """Let the commit end, then wait for the learner's call to end, and for an orphaned commit to end too."""
        self.fake.open()
        outcome = await self.call.outcome()
        await settle()
        return outcome

    def ended_first(self) -> bool:
        """The commit had been called once and had ended (returned, raised or, wrongly, been cancelled) by the
        time commit_safely ended."""
        outcomes = self.at_end.outcomes(self.fake)
        return outcomes is not None and len(outcomes) == 1 and outcomes[0] != "running"

    def interrupted(self) -> bool:
        """A cancellation has reached the commit (its cleanup, CANCEL_TAKES, may not be over yet)."""
        return any(call.cancel_arrived is not None for call in self.fake.calls)

    @property
    def ended(self) -> str:
        """How the commit's call ended (or not), as recorded by the fake."""
        calls = self.fake.calls
        return calls[0].outcome if len(calls) == 1 else f"called {len(calls)} times"


@pytest.mark.category("correctness")
@given(values, st.integers(0, 5))
@example("committed", 0)
async def test_returns_the_commit_result(kata, value, delay):
    """Not cancelled: commit is called once, and its result comes back, as it is."""
    fake = FakeFetch(results=lambda _: value, delay=delay, ticks=True)
    outcome = await run(kata.commit_safely(as_function(fake, "commit", key="commit")))
    expect(
        outcome.returned and same(outcome.value, value),
        saw=f"commit returned {short(value)}, and {outcome.describe()}",
        expected=f"the commit's result, {short(value)}, returned as it is",
    )
    expect(len(fake.calls) == 1, saw=f"{len(fake.calls)} calls of commit", expected="exactly one call")
    await expect_no_leaked_tasks(after="commit_safely returned")


@pytest.mark.category("exceptions")
async def test_commit_error_propagates_unchanged(kata):
    """Not cancelled, the commit raises: that very exception comes out of commit_safely."""
    failure = ConnectionError("database went away")
    fake = FakeFetch(errors={"commit": failure}, delay=2, ticks=True)
    outcome = await run(kata.commit_safely(as_function(fake, "commit", key="commit")))
    expect(
        outcome.error is failure,
        saw=f"commit raised {short(failure)}, and {outcome.describe()}",
        expected="that very exception, raised as it is",
        mistake="the exception was caught (a bare except:, or except BaseException:) and not raised again"
        if outcome.error is None
        else "the exception was replaced by another one",
    )


@pytest.mark.category("timeout")
async def test_cancel_does_not_interrupt_the_commit(kata):
    """Cancelled while the commit runs: the commit is not interrupted (it never receives CancelledError)."""
    commit = Commit(kata)
    await commit.started()
    await commit.cancel()
    outcome = await commit.finish()
    expect(
        commit.ended == "returned",
        saw=f"cancelled while the commit ran, {outcome.describe()}, and the commit's call ended {commit.ended}",
        expected="the commit runs to its end, untouched by the cancellation",
        mistake=INTERRUPTED if commit.ended == "cancelled" else None,
    )


@pytest.mark.category("timeout")
async def test_call_waits_for_the_commit(kata):
    """Cancelled while the commit runs: commit_safely does not end before the commit has finished; nothing is
    left running."""
    commit = Commit(kata)
    await commit.started()
    await commit.cancel()
    outcome = await commit.finish()
    expect(
        commit.ended_first(),
        saw=f"cancelled while the commit ran, {outcome.describe()}; by then "
        + commit.at_end.describe(commit.fake, "commit"),
        expected="commit_safely ends only once the commit has ended",
        mistake="asyncio.shield alone ends the caller at once and leaves the commit running on its own: catch "
        "the CancelledError, keep waiting for the commit, then raise it",
    )
    await expect_no_leaked_tasks(after="commit_safely ended")


@pytest.mark.category("timeout")
async def test_second_cancel_does_not_interrupt_the_commit(kata):
    """Cancelled twice while the commit runs: the commit is still not interrupted."""
    commit = Commit(kata)
    await commit.started()
    await commit.cancel()
    interrupted_by_the_first = commit.interrupted()
    await commit.cancel()
    outcome = await commit.finish()
    expect(
        commit.ended == "returned",
        saw=f"cancelled twice while the commit ran, {outcome.describe()}, and the commit's call ended {commit.ended}",
        expected="the commit runs to its end, untouched by either cancellation",
        mistake=INTERRUPTED
        if interrupted_by_the_first
        else "after the first CancelledError the commit is awaited unprotected (`await task`), so the second "
        "cancellation reaches it: keep shielding it (a loop around asyncio.shield), or wait with "
        "asyncio.wait, which never cancels what it waits for"
        if commit.ended == "cancelled"
        else None,
    )


@pytest.mark.category("exceptions")
async def test_cancelled_call_ends_cancelled(kata):
    """Cancelled while the commit runs: once the commit has finished, commit_safely ends cancelled, not with the
    commit's result."""
    commit = Commit(kata)
    await commit.started()
    await commit.cancel()
    outcome = await commit.finish()
    expect(
        outcome.cancelled,
        saw=f"cancelled while the commit ran, {outcome.describe()}",
        expected="it ends cancelled once the commit is done: asyncio.CancelledError goes on up",
        mistake=swallowed(
            outcome,
            "the CancelledError was caught (a bare except:, except BaseException: or except CancelledError:) "
            "and never raised again: remember it, and raise it once the commit has finished",
        ),
    )


@pytest.mark.category("exceptions")
async def test_failed_commit_still_ends_cancelled(kata):
    """Cancelled while the commit runs, and then the commit raises: commit_safely still ends cancelled."""
    failure = ConnectionError("database went away")
    commit = Commit(kata, error=failure)
    await commit.started()
    await commit.cancel()
    outcome = await commit.finish()
    expect(
        outcome.cancelled,
        saw=f"cancelled while the commit ran, then the commit raised {short(failure)}, and {outcome.describe()}",
        expected="it ends cancelled: the caller asked to stop, and that is what it must see",
        mistake="after the CancelledError, the commit is awaited and its exception goes up in place of the "
        "cancellation: retrieve the commit's exception, then raise the CancelledError"
        if outcome.error is failure
        else "the CancelledError was caught and never raised again",
    )


@pytest.mark.category("exceptions")
async def test_failed_commit_error_is_retrieved(kata):
    """Cancelled while the commit runs, and then the commit raises: its exception is not left unretrieved."""
    async with LoopErrors() as loop_errors:
        commit = Commit(kata, error=ConnectionError("database went away"))
        await commit.started()
        await commit.cancel()
        await commit.finish()
        orphaned = not commit.ended_first()
    expect(
        not loop_errors.messages,
        saw="the event loop reported: " + "; ".join(loop_errors.messages),
        expected="the failed commit's exception retrieved, even though commit_safely ends cancelled",
        mistake="commit_safely ended while the commit was still running (asyncio.shield alone?), so nobody was "
        "left to retrieve its exception: wait for the commit to end"
        if orphaned
        else "the commit's task failed and nobody looked at its exception: call task.exception() (or "
        "task.result() in a try) before raising the CancelledError",
    )
