"""Hidden suite: handle_errors.fetch_or_default(fetch, key, default)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness import FakeFetch, KataCall, expect, run, same, short
from harness.checks import swallowed
from harness.inputs import text, values

errors = st.sampled_from(
    [
        ValueError("bad value"),
        KeyError("missing"),
        OSError("disk"),
        TimeoutError(),
        ZeroDivisionError("zero"),
        RuntimeError("boom"),
    ]
)


class Interrupt(BaseException):
    """Stands for KeyboardInterrupt or SystemExit, which would stop the test run itself if raised here."""


@pytest.mark.category("correctness")
@given(values, text(3))
async def test_returns_the_fetched_value(kata, value, key):
    """A fetch that succeeds: its value comes back as it is, even None, 0 or ""."""
    fake = FakeFetch(results=lambda _: value, ticks=True)
    default = object()
    outcome = await run(kata.fetch_or_default(fake, key, default))
    expect(
        outcome.returned and same(outcome.value, value),
        saw=f"fetch returned {short(value)}, and "
        + ("the default came back" if outcome.value is default else outcome.describe()),
        expected=f"the fetched value, {short(value)}",
        mistake="a falsy result (None, 0, '') was treated as a failure: `await fetch(key) or default`?",
    )
    expect(fake.keys == [key], saw=f"fetch called with {short(fake.keys)}", expected=f"one call, with {short(key)}")


@pytest.mark.category("correctness")
@given(errors)
async def test_returns_default_on_error(kata, error):
    """A fetch that raises an ordinary Exception: the default object comes back."""
    fake = FakeFetch(errors={"k": error}, ticks=True)
    default = object()
    outcome = await run(kata.fetch_or_default(fake, "k", default))
    expect(
        outcome.returned and outcome.value is default,
        saw=f"fetch raised {type(error).__name__}, and {outcome.describe()}",
        expected="the default object given to fetch_or_default",
        mistake="only some exception types are caught: catch Exception, the base of every ordinary error",
    )
    expect(len(fake.calls) == 1, saw=f"{len(fake.calls)} calls of fetch", expected="exactly one call")


@pytest.mark.category("exceptions")
async def test_cancellation_is_not_swallowed(kata):
    """Cancelled while the fetch runs: it ends cancelled, and so does the fetch."""
    fake = FakeFetch(delay=math.inf)
    call = KataCall(kata.fetch_or_default(fake, "k", "default"))
    await call.until_called(fake)
    call.cancel()
    outcome = await call.outcome()
    expect(
        outcome.cancelled,
        saw=f"cancelled while fetching, {outcome.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up",
        mistake=swallowed(
            outcome, "a bare except: or except BaseException: caught the CancelledError: catch Exception instead"
        ),
    )


@pytest.mark.category("exceptions")
async def test_base_exceptions_propagate(kata):
    """A BaseException that is not an Exception (like KeyboardInterrupt) propagates as it is."""
    interrupt = Interrupt("stop")
    fake = FakeFetch(errors={"k": interrupt}, ticks=True)
    outcome = await run(kata.fetch_or_default(fake, "k", "default"))
    expect(
        outcome.error is interrupt,
        saw=f"fetch raised a BaseException (like KeyboardInterrupt), and {outcome.describe()}",
        expected="that exception to propagate",
        mistake="a bare except: or except BaseException: catches what must go on up: catch Exception instead",
    )
