"""Hidden suite: pool.Pool(connect, size), a class whose connections are borrowed with `async with`.

The pool lives in the sandbox; the judge holds it by handle. `connect` is the judge's FakeConnector
(harness.resources): it counts places (connections being opened, open, or being closed: at most `size`), and
its connections cross as objects whose `close()` the learner's code calls. Scenes run on the simulated clock
(harness.timeline): borrowers enter (`__aenter__` of `pool.connection()`, made when the scene begins), hold
their connection, and leave (`__aexit__`, normally or with an exception) at set times; borrowers acting at the
same moment act in a set order (a connection comes back before a newcomer arrives), and reach the sandbox in one
write, so "a caller arriving just as a connection comes back" is one deterministic ordering. Every time is
exact: who got which connection when is judged against what the contract says, with no wall-clock bound.
"""

import asyncio
from dataclasses import dataclass, field

import pytest

from harness import LoopWatch, expect, run, short
from harness.checks import describe_error
from harness.resources import FakeConnection, FakeConnector
from harness.sandbox import RemoteObject
from harness.timeline import EPSILON, Scene, Timed, Timeline, at, run_scene

CONNECT = 0.25  # simulated seconds a connect() takes
CLOSE = 0.125  # and a close()
LEAVE, CLOSE_POOL, CANCEL, ARRIVE = range(4)  # the order of things done at the same moment


@dataclass
class Borrower:
    """One caller: enters at `arrives`, holds its connection `hold` seconds, then leaves; `error` is raised in its
    block (a CancelledError: the block was cancelled); `cancel_at` cancels it while it waits."""

    number: int
    arrives: float
    hold: float = 1.0
    error: BaseException | None = None
    cancel_at: float | None = None
    manager: object = None  # the Outcome of pool.connection()
    entering: Timed | None = None
    leaving: Timed | None = None

    @property
    def name(self) -> str:
        return f"caller {self.number}"

    @property
    def conn(self) -> FakeConnection | None:
        outcome = self.entering.outcome if self.entering else None
        return outcome.value if outcome is not None and outcome.returned else None

    @property
    def entered(self) -> float | None:
        return self.entering.ended if self.conn is not None else None

    def story(self) -> str:
        text = f"{self.name} arrived at {at(self.arrives)}"
        if self.cancel_at is not None:
            text += f" (cancelled at {at(self.cancel_at)})"
        made = self.manager
        if made is not None and not made.returned:
            return text + f", and pool.connection() raised {describe_error(made.error)}"
        entering = self.entering.outcome if self.entering else None
        if entering is None:
            return text + ", still waiting" if self.entering else text
        if entering.cancelled:
            return text + f", ended cancelled at {at(self.entering.ended)}"
        if entering.error is not None:
            return text + f", raised {describe_error(entering.error)} at {at(self.entering.ended)}"
        conn = entering.value
        text += f", got {short(conn)} at {at(self.entering.ended)}"
        if self.leaving is not None and self.leaving.outcome is not None:
            how = "left" if self.error is None else f"left raising {type(self.error).__name__}"
            text += f", {how} at {at(self.leaving.sent)}"
        return text


@dataclass
class Played:
    size: int
    connect: FakeConnector
    borrowers: list[Borrower] = field(default_factory=list)
    made: object = None
    pool: object = None
    closing: Timed | None = None
    close_at: float | None = None
    scene: Scene | None = None

    def setting(self) -> str:
        opened = f"{len(self.connect.attempts)} connect() call(s)"
        return f"Pool(connect, {self.size}), connect taking {CONNECT:g} s: " + "; ".join(
            [borrower.story() for borrower in self.borrowers] + [opened]
        )

    def borrower(self, number: int) -> Borrower:
        return self.borrowers[number - 1]


async def borrow(timeline: Timeline, pool, borrower: Borrower) -> None:
    await timeline.until(borrower.arrives, (ARRIVE, borrower.number))
    if borrower.manager is None:  # made now: the pool was closed after the scene began
        borrower.manager = await timeline.start(pool.connection.in_loop_thread()).wait()
    if not borrower.manager.returned:
        return
    manager: RemoteObject = borrower.manager.value
    borrower.entering = timeline.start(manager.method("__aenter__")(), borrower.name)
    if borrower.cancel_at is not None:
        cancelling = asyncio.ensure_future(cancel_later(timeline, borrower))
    entered = await borrower.entering.wait()
    if borrower.cancel_at is not None:
        cancelling.cancel()
    if not entered.returned:
        return
    await timeline.until(borrower.entering.ended + borrower.hold, (LEAVE, borrower.number))
    borrower.leaving = timeline.start(manager.method("__aexit__")(borrower.error), f"{borrower.name} leaving")
    await borrower.leaving.wait()


async def cancel_later(timeline: Timeline, borrower: Borrower) -> None:
    await timeline.until(borrower.cancel_at, (CANCEL, borrower.number))
    if not borrower.entering.done:
        borrower.entering.cancel()


def play(kata, size: int, connect: FakeConnector, borrowers: list[Borrower], close_at: float | None = None) -> Played:
    """Make the pool and every borrower's `pool.connection()` at 0, then let each borrower act at its times;
    `close_at`: `await pool.close()` then (borrowers arriving later make their `pool.connection()` then)."""
    played = Played(size, connect, borrowers, close_at=close_at)

    async def scene(timeline: Timeline) -> None:
        played.made = await timeline.start(kata.Pool.in_loop_thread(connect, size)).wait()
        if not played.made.returned:
            return
        pool = played.pool = played.made.value
        for borrower in borrowers:
            if close_at is None or borrower.arrives <= close_at:
                borrower.manager = await timeline.start(pool.connection.in_loop_thread()).wait()
        actions = [asyncio.ensure_future(borrow(timeline, pool, borrower)) for borrower in borrowers]
        if close_at is not None:
            await timeline.until(close_at, (CLOSE_POOL, 0))
            played.closing = timeline.start(pool.close(), "pool.close()")
            actions.append(asyncio.ensure_future(played.closing.wait()))
        await asyncio.gather(*actions)

    horizon = max(borrower.arrives + borrower.hold for borrower in borrowers) + 4 * len(borrowers)
    played.scene = run_scene(scene, limit=horizon, max_wakes=20 + 4 * len(borrowers))
    return played


def expect_pool(played: Played) -> None:
    expect(
        played.made is not None and played.made.returned,
        saw=f"Pool(connect, {played.size}): " + (played.made.describe() if played.made else "never made"),
        expected="a pool",
    )
    for borrower in played.borrowers:
        made = borrower.manager
        if made is not None and played.close_at is None:
            expect(
                made.returned,
                saw=f"pool.connection(): {made.describe()}",
                expected="an async context manager (pool.connection() itself does not wait)",
                mistake="connection is an `async def`: make it a plain method returning an async context manager "
                "(@contextlib.asynccontextmanager does it), so that `async with pool.connection()` works"
                if made.returned is False
                else None,
            )
    expect(
        not played.scene.stuck,
        saw=f"{played.setting()}; then the callers still waiting stayed waiting with nothing left that could wake "
        "them (the judge cancelled them)",
        expected="every caller to get a connection once one comes back or a place frees",
        mistake="a connection given back (or a place freed) without waking a waiter",
    )
    expect(
        played.scene.overtime is None,
        saw=f"{played.setting()}: callers still waiting at {at(played.scene.overtime or 0)}, long after the last "
        "would have had a connection (the judge cancelled them)",
        expected="every caller to get a connection",
        mistake="waiters woken by polling again and again"
        if played.scene.restless
        else "a connection given back (or a place freed) without waking a waiter",
    )


def expect_places(played: Played) -> None:
    connect = played.connect
    expect(
        connect.peak_places <= played.size,
        saw=f"{played.setting()}: {connect.peak_places} connections existed at once (being opened, open, or being "
        "closed)",
        expected=f"at most {played.size}",
        mistake="a new connection opened while `size` already existed: count a connection from the moment its "
        "connect() starts until its close() has returned"
        if connect.peak_places > played.size
        else None,
    )


def expect_entries(played: Played, expected: dict[int, float]) -> None:
    """Borrower number -> when it must have got its connection."""
    for number, when in expected.items():
        borrower = played.borrower(number)
        entered = borrower.entered
        if entered is not None and entered < when - EPSILON:
            mistake = (
                "it went ahead of callers already waiting: a connection that comes back goes to the caller that "
                "waited longest, and a newcomer queues behind every waiter, even at that very moment"
            )
        elif entered is not None and entered > when + EPSILON:
            mistake = (
                "a waiter was served late, or after one that came later: hand a returned connection (or a freed "
                "place) to the oldest waiter at once"
            )
        else:
            mistake = None
        expect(
            entered is not None and abs(entered - when) <= EPSILON,
            saw=played.setting(),
            expected=f"{borrower.name} to get a connection at {at(when)}",
            mistake=mistake,
        )


def expect_same(played: Played, number: int, connection: int) -> None:
    borrower = played.borrower(number)
    expect(
        borrower.conn is not None and borrower.conn is played.connect.connections[connection - 1],
        saw=played.setting(),
        expected=f"{borrower.name} to get <connection {connection}>, idle then",
        mistake="a new connection opened while one was idle: lend an idle connection before opening one",
    )


@pytest.mark.category("correctness")
def test_idle_connections_are_lent_again(kata):
    """A connection given back is lent again: one caller after another share one connection, and a new one is
    opened only when none is idle."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    borrowers = [
        Borrower(1, 0.0, 0.5),
        Borrower(2, 1.0, 0.5),
        Borrower(3, 2.0, 0.5),
        Borrower(4, 3.0),
        Borrower(5, 3.0),
    ]
    played = play(kata, 2, connect, borrowers)
    expect_pool(played)
    # 1 opens connection 1 (0.25 s); 2 and 3 borrow it idle; at t=3, 4 takes it and 5 opens connection 2.
    expect_entries(played, {1: 0.25, 2: 1.0, 3: 2.0, 4: 3.0, 5: 3.25})
    for number in (2, 3, 4):
        expect_same(played, number, 1)
    expect(
        len(connect.attempts) == 2 and not connect.closed_connections(),
        saw=played.setting() + f"; closed: {short(connect.closed_connections())}",
        expected="connect() called twice, and no connection closed",
        mistake="a connection closed when its block ended normally: give it back to the pool, open"
        if connect.closed_connections()
        else None,
    )


@pytest.mark.category("correctness")
def test_at_most_size_and_first_come_first_served(kata):
    """At most `size` connections exist; callers that wait get the connections given back in the order they
    arrived, each the moment one comes back."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    borrowers = [
        Borrower(1, 0.0, 1.0),
        Borrower(2, 0.0, 2.0),
        Borrower(3, 0.125, 0.5),
        Borrower(4, 0.25, 0.5),
        Borrower(5, 0.375, 0.5),
    ]
    played = play(kata, 2, connect, borrowers)
    expect_pool(played)
    expect_places(played)
    # 1 and 2 open connections 1 and 2 (until 0.25); 1 gives its back at 1.25: to 3, then at 1.75 to 4; 2 gives
    # its back at 2.25: to 5.
    expect_entries(played, {1: 0.25, 2: 0.25, 3: 1.25, 4: 1.75, 5: 2.25})
    expect_same(played, 3, played.borrower(1).conn.number)
    expect(
        played.scene.leaked == 0,
        saw=f"{played.scene.leaked} task(s) of the pool's still running once every caller had left",
        expected="no task left running",
        mistake="a task started to hand connections over, never ended",
    )


@pytest.mark.category("correctness")
def test_no_barging_when_a_connection_comes_back(kata):
    """A caller arriving at the very moment a connection comes back, while another waits, queues behind the one
    that waits: the connection goes to the waiter."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    # size 1: 1 holds connection 1 from 0.25 to 1.25; 2 waits from 0.5; 3 arrives at 1.25, just after 1 left.
    borrowers = [Borrower(1, 0.0, 1.0), Borrower(2, 0.5, 0.5), Borrower(3, 1.25, 0.5)]
    played = play(kata, 1, connect, borrowers)
    expect_pool(played)
    expect_entries(played, {1: 0.25, 2: 1.25, 3: 1.75})


@pytest.mark.category("exceptions")
def test_cancelled_waiter_leaves_the_queue(kata):
    """A waiter that is cancelled ends cancelled at once, and leaves the queue: the connection goes to the next."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    borrowers = [Borrower(1, 0.0, 1.0), Borrower(2, 0.375, 0.5, cancel_at=0.625), Borrower(3, 0.5, 0.5)]
    played = play(kata, 1, connect, borrowers)
    expect_pool(played)
    cancelled = played.borrower(2)
    outcome = cancelled.entering.outcome if cancelled.entering else None
    expect(
        outcome is not None and outcome.cancelled and abs(cancelled.entering.ended - 0.625) <= EPSILON,
        saw=played.setting(),
        expected="caller 2 to end cancelled at t=0.625, the moment it was cancelled",
        mistake="the CancelledError was caught and the caller went on waiting: clean up, then re-raise it"
        if outcome is not None and not outcome.cancelled
        else None,
    )
    expect_entries(played, {1: 0.25, 3: 1.25})


@pytest.mark.category("exceptions")
@pytest.mark.parametrize("how", ["raises", "cancelled"])
def test_a_failed_block_closes_its_connection(kata, how):
    """A block that raises (or is cancelled): its connection is closed, never lent again, its place frees once
    close() has returned, and the block's exception goes on."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    error = LookupError("raised in the block") if how == "raises" else asyncio.CancelledError()
    # size 1: 1 holds connection 1 from 0.25 and fails at 0.75; its close runs until 0.875; 2 waits from 0.5.
    borrowers = [Borrower(1, 0.0, 0.5, error=error), Borrower(2, 0.5, 0.5)]
    played = play(kata, 1, connect, borrowers)
    expect_pool(played)
    expect_places(played)
    first = connect.connections[0] if connect.connections else None
    leaving = played.borrower(1).leaving
    left = leaving.outcome if leaving else None
    passes_on = left is not None and (
        (left.returned and not left.value)
        or (left.error is error if how == "raises" else left.cancelled or type(left.error).__name__ == "CancelledError")
    )
    expect(
        passes_on,
        saw=f"the block {'raised ' + describe_error(error) if how == 'raises' else 'was cancelled'}, and its "
        f"__aexit__ {left.describe() if left else 'never ran'}",
        expected="the block's exception to go on: __aexit__ returns None or False (or raises that very exception)",
        mistake="the exception was swallowed (a true value from __aexit__, or an asynccontextmanager that does "
        "not re-raise)"
        if left is not None and left.returned
        else "another exception replaced the block's",
    )
    expect(
        first is not None
        and first.close_calls
        and first.closed is not None
        and first.closed <= leaving.ended + EPSILON,
        saw=played.setting() + (f"; connection 1: close {first.close_outcome}" if first else ""),
        expected="<connection 1> closed (close() awaited to its end) before leaving the block was over",
        mistake="the connection was given back to the pool instead of closed: a failed block may have broken it"
        if first is not None and not first.close_calls
        else "close() was started but not awaited",
    )
    second = played.borrower(2).conn
    expect(
        second is not None and second is not first and abs(played.borrower(2).entered - 1.125) <= EPSILON,
        saw=played.setting(),
        expected="caller 2 to get a new connection at t=1.125: its place freed when close() returned at 0.875, "
        "then connect() took 0.25 s",
        mistake="the closed connection was lent again"
        if second is not None and second is first
        else "the place was freed before close() had returned, or never",
    )


@pytest.mark.category("exceptions")
def test_close_error_does_not_hide_the_block_error(kata):
    """When close() itself raises, the block's own exception still goes on, and the place still frees."""
    failure = OSError("close failed")
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE, close_errors={1: failure})
    error = LookupError("raised in the block")
    played = play(kata, 1, connect, [Borrower(1, 0.0, 0.5, error=error), Borrower(2, 0.5, 0.5)])
    expect_pool(played)
    leaving = played.borrower(1).leaving
    left = leaving.outcome if leaving else None
    expect(
        left is not None and ((left.returned and not left.value) or left.error is error),
        saw=f"the block raised {describe_error(error)}, conn.close() raised {describe_error(failure)}, and "
        f"__aexit__ {left.describe() if left else 'never ran'}",
        expected="the block's exception to go on, not close()'s",
        mistake="close()'s exception replaced the block's: catch what close() raises (an Exception), then let the "
        "block's exception go on"
        if left is not None and left.error is failure
        else None,
    )
    expect_entries(played, {2: 1.125})


@pytest.mark.category("exceptions")
def test_connect_error_reaches_its_caller(kata):
    """connect() raising: that caller gets the very exception, and its place frees for the next caller."""
    failure = ConnectionRefusedError("connect failed")
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE, errors={1: failure})
    played = play(kata, 1, connect, [Borrower(1, 0.0, 0.5), Borrower(2, 0.125, 0.5)])
    expect_pool(played)
    first = played.borrower(1).entering.outcome if played.borrower(1).entering else None
    expect(
        first is not None and first.error is failure,
        saw=played.setting(),
        expected=f"caller 1 to get {describe_error(failure)}, the very exception connect() raised",
    )
    expect_entries(played, {2: 0.5})
    expect_places(played)


@pytest.mark.category("correctness")
def test_closing_the_pool(kata):
    """pool.close(): the idle connections are closed at once, those lent out as they come back, and close()
    returns once all are closed; from then on pool.connection() raises RuntimeError, as does every waiter."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    # size 2: 1 gives connection 1 back at 0.5 (idle); 2 holds connection 2 until 2.25; the pool closes at t=1;
    # 3 arrives after that, at 1.5.
    borrowers = [Borrower(1, 0.0, 0.25), Borrower(2, 0.0, 2.0), Borrower(3, 1.5, 0.5)]
    played = play(kata, 2, connect, borrowers, close_at=1.0)
    expect_pool(played)
    one, two = (connect.connections + [None, None])[:2]
    expect(
        one is not None and one.close_calls[:1] == [1.0],
        saw=played.setting() + (f"; <connection 1> close() called at {short(one.close_calls)}" if one else ""),
        expected="the idle <connection 1> closed at t=1, when pool.close() was called",
    )
    expect(
        two is not None and two.close_calls[:1] == [2.25],
        saw=played.setting() + (f"; <connection 2> close() called at {short(two.close_calls)}" if two else ""),
        expected="<connection 2> closed at t=2.25, when caller 2 gave it back",
        mistake="pool.close() did not wait for the connections lent out" if two and not two.close_calls else None,
    )
    closing = played.closing.outcome if played.closing else None
    expect(
        closing is not None and closing.returned and abs(played.closing.ended - 2.375) <= EPSILON,
        saw=f"{played.setting()}; pool.close() {closing.describe() if closing else 'never ended'}"
        + (f" at {at(played.closing.ended)}" if closing else ""),
        expected="pool.close() to return at t=2.375, once connection 2 was closed",
        mistake="pool.close() returned before every connection lent out had come back and been closed"
        if closing is not None and played.closing.ended < 2.375 - EPSILON
        else None,
    )
    late = played.borrower(3)
    raised = late.manager.error if late.manager is not None and not late.manager.returned else None
    if raised is None and late.entering is not None and late.entering.outcome is not None:
        raised = late.entering.outcome.error
    expect(
        isinstance(raised, RuntimeError),
        saw=played.setting(),
        expected="caller 3, after pool.close(), to get RuntimeError (from pool.connection() or on entering)",
    )


@pytest.mark.category("exceptions")
def test_waiters_get_runtime_error_when_the_pool_closes(kata):
    """Callers waiting when pool.close() is called get RuntimeError then, and close() waits for the connection
    lent out."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    borrowers = [Borrower(1, 0.0, 2.0), Borrower(2, 0.5, 0.5), Borrower(3, 0.75, 0.5)]
    played = play(kata, 1, connect, borrowers, close_at=1.0)
    expect_pool(played)
    for number in (2, 3):
        waiter = played.borrower(number)
        outcome = waiter.entering.outcome if waiter.entering else None
        expect(
            outcome is not None
            and isinstance(outcome.error, RuntimeError)
            and abs(waiter.entering.ended - 1.0) <= EPSILON,
            saw=played.setting(),
            expected=f"caller {number}, waiting when the pool closed at t=1, to get RuntimeError then",
            mistake="waiters are left waiting when the pool closes: wake each with RuntimeError"
            if outcome is None or outcome.error is None
            else None,
        )
    closing = played.closing.outcome if played.closing else None
    expect(
        closing is not None and closing.returned and abs(played.closing.ended - 2.375) <= EPSILON,
        saw=f"{played.setting()}; pool.close() {closing.describe() if closing else 'never ended'}",
        expected="pool.close() to return at t=2.375, once caller 1 gave its connection back and it was closed",
    )


@pytest.mark.category("concurrency")
def test_connects_run_at_the_same_time(kata):
    """Callers that each need a new connection open them at the same time, not one after another."""
    connect = FakeConnector(delay=CONNECT, close_delay=CLOSE)
    played = play(kata, 3, connect, [Borrower(1, 0.0), Borrower(2, 0.0), Borrower(3, 0.0)])
    expect_pool(played)
    expect(
        connect.peak_connecting == 3 and all(abs((b.entered or 0) - CONNECT) <= EPSILON for b in played.borrowers),
        saw=played.setting() + f"; at most {connect.peak_connecting} connect() call(s) ran at once",
        expected=f"three connect() calls at once, every caller served at t={CONNECT:g}",
        mistake="connect() awaited while holding a lock (or one at a time): count the place, release the lock, "
        "then connect",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While callers wait for connections, the event loop keeps running other tasks."""
    connect = FakeConnector(delay=0.05, close_delay=0.01)
    made = await run(kata.Pool.in_loop_thread(connect, 1))
    expect(made.returned, saw=f"Pool(connect, 1): {made.describe()}", expected="a pool")
    pool = made.value

    async def use() -> None:
        async with pool.connection() as conn:
            await asyncio.sleep(0.05)
            return conn

    async with LoopWatch() as watch:
        users = await asyncio.gather(*(use() for _ in range(3)), return_exceptions=True)
    expect(
        all(isinstance(conn, FakeConnection) for conn in users),
        saw=f"three callers got {short(users)}",
        expected="three connections",
    )
    watch.expect_free()


@pytest.mark.category("exceptions")
@pytest.mark.parametrize("size", [0, -1])
async def test_invalid_size(kata, size):
    """`size < 1`: Pool raises ValueError."""
    made = await run(kata.Pool.in_loop_thread(FakeConnector(), size))
    expect(
        isinstance(made.error, ValueError),
        saw=f"Pool(connect, {size}): {made.describe()}",
        expected="ValueError",
        mistake="the size is not checked" if made.returned else None,
    )
