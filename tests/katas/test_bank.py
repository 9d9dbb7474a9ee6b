"""Hidden suite: bank.Bank(store), transfers that many callers run at once.

The bank lives in the sandbox; the judge holds it by handle. The store is the judge's FakeStore
(harness.resources): it crosses as an object whose `read` and `write` the learner's code calls, each taking 0.25
s on the simulated clock (harness.timeline), and it records every call. Scenes start transfers (and cancel them)
at set times; a read, an await and a write without a lock then loses an update every time, deterministically,
and two transfers waiting for each other's locks leave both sides waiting with nothing that could wake them,
which the timeline sees at once. Balances are judged against what the transfers that returned must have done.
"""

import asyncio
from dataclasses import dataclass, field

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from harness import LoopWatch, expect, run, short
from harness.checks import describe_error
from harness.resources import FakeStore
from harness.timeline import EPSILON, Scene, Timed, Timeline, at, run_scene

STORE = 0.25  # simulated seconds a read or a write takes
# Each example is a scene of a hundred round trips or so between two processes: six, after the three @examples
# that matter most, keep the check near a second on a loaded machine; no shrinking (dozens more scenes).
SCENES = settings(max_examples=6, phases=[Phase.explicit, Phase.generate])


@dataclass
class Transfer:
    number: int
    src: str
    dst: str
    amount: int
    at: float = 0.0
    cancel_at: float | None = None
    cancel_after_write: float | None = None  # cancel this long after the store sees the first write start
    timed: Timed | None = None

    @property
    def outcome(self):
        return self.timed.outcome if self.timed is not None else None

    def story(self) -> str:
        text = f"transfer({self.src!r}, {self.dst!r}, {self.amount}) at {at(self.at)}"
        if self.cancel_at is not None:
            text += f", cancelled at {at(self.cancel_at)}"
        outcome = self.outcome
        if outcome is None:
            return text + ", never ended"
        if outcome.returned:
            return text + f", returned at {at(self.timed.ended)}"
        if outcome.cancelled:
            return text + f", ended cancelled at {at(self.timed.ended)}"
        return text + f", raised {describe_error(outcome.error)} at {at(self.timed.ended)}"


@dataclass
class Played:
    store: FakeStore
    transfers: list[Transfer] = field(default_factory=list)
    made: object = None
    scene: Scene | None = None

    def setting(self) -> str:
        balances = ", ".join(f"{account} {balance}" for account, balance in self.store.initial.items())
        return f"balances {balances}: " + "; ".join(transfer.story() for transfer in self.transfers)

    def transfer(self, number: int) -> Transfer:
        return self.transfers[number - 1]


def play(kata, store: FakeStore, transfers: list[Transfer]) -> Played:
    played = Played(store, transfers)

    async def scene(timeline: Timeline) -> None:
        played.made = await timeline.start(kata.Bank.in_loop_thread(store)).wait()
        if not played.made.returned:
            return
        bank = played.made.value

        async def one(transfer: Transfer) -> None:
            await timeline.until(transfer.at, (1, transfer.number))
            transfer.timed = timeline.start(bank.transfer(transfer.src, transfer.dst, transfer.amount))
            if transfer.cancel_after_write is not None:
                writing = timeline.create_future()
                store.watchers.append(
                    lambda call: call.kind == "write" and not writing.done() and writing.set_result(call)
                )
                await asyncio.wait(
                    [writing, asyncio.ensure_future(transfer.timed.wait())], return_when="FIRST_COMPLETED"
                )
                if writing.done():
                    transfer.cancel_at = timeline.time() + transfer.cancel_after_write
            if transfer.cancel_at is not None:
                await timeline.until(transfer.cancel_at, (0, transfer.number))
                if not transfer.timed.done:
                    transfer.timed.cancel()
            await transfer.timed.wait()

        await asyncio.gather(*(one(transfer) for transfer in transfers))

    # Serially, each transfer takes four store calls: past that, plus the last start, something waits for ever.
    horizon = max(transfer.at for transfer in transfers) + 4 * STORE * len(transfers) + 2
    played.scene = run_scene(scene, limit=horizon, max_wakes=20 + 8 * len(transfers))
    return played


def expect_bank(played: Played) -> None:
    expect(
        played.made is not None and played.made.returned,
        saw="Bank(store): " + (played.made.describe() if played.made else "never made"),
        expected="a bank",
    )


def expect_no_deadlock(played: Played) -> None:
    scene = played.scene
    expect(
        not scene.stuck and scene.overtime is None,
        saw=f"{played.setting()}; store calls: {played.store.log()}; then "
        + (
            "every transfer still running waited, with nothing left that could wake it (the judge cancelled them)"
            if scene.stuck
            else f"transfers still running at {at(scene.overtime or 0)} (the judge cancelled them)"
        ),
        expected="every transfer to end",
        mistake="a deadlock: two transfers each hold one account's lock and wait for the other's; take the locks "
        "in one order for every transfer (sorted accounts), whatever the direction"
        if scene.stuck
        else None,
    )


def expect_books_balance(played: Played) -> None:
    """Every transfer ended; those that returned moved their amounts, the others nothing; no balance below zero."""
    store = played.store
    expected = dict(store.initial)
    for transfer in played.transfers:
        outcome = transfer.outcome
        expect(
            outcome is not None and (outcome.returned or isinstance(outcome.error, ValueError)),
            saw=played.setting(),
            expected="each transfer to return None, or raise ValueError when its source lacked the funds",
        )
        if outcome.returned:
            expect(
                outcome.value is None,
                saw=f"transfer(...) returned {short(outcome.value)}",
                expected="None",
            )
            expected[transfer.src] -= transfer.amount
            expected[transfer.dst] += transfer.amount
    expect(
        not store.negative,
        saw=f"{played.setting()}; the store was asked for " + (store.negative[0].describe() if store.negative else ""),
        expected="no balance below zero: a transfer whose source lacks the funds raises ValueError and writes nothing",
    )
    lost = sum(store.initial.values()) != sum(store.balances.values())
    expect(
        store.balances == expected,
        saw=f"{played.setting()}; balances in the end: {short(store.balances)}; store calls: {store.log()}",
        expected=f"balances {short(expected)}, what the transfers that returned moved",
        mistake="an update was lost: two transfers read the same balance before either wrote it, and the second "
        "write undid the first; hold a lock per account from the read to the write"
        if lost
        else "the transfers that returned did not all move their amounts, or one that raised wrote something",
    )


def transfers_from(plan: list[tuple[int, int, int, int]]) -> list[Transfer]:
    accounts = "abcd"
    return [
        Transfer(number, accounts[src], accounts[dst], amount, start / 4)
        for number, (src, dst, amount, start) in enumerate(plan, 1)
    ]


plans = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 80), st.integers(0, 6)).filter(
        lambda item: item[0] != item[1]
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.category("correctness")
def test_a_transfer_moves_the_amount(kata):
    """One transfer: the amount leaves the source and reaches the destination; transfer returns None."""
    store = FakeStore({"a": 100, "b": 50}, delay=STORE)
    played = play(kata, store, [Transfer(1, "a", "b", 30)])
    expect_bank(played)
    expect_no_deadlock(played)
    expect_books_balance(played)
    expect(
        store.balances == {"a": 70, "b": 80},
        saw=f"{played.setting()}; balances in the end: {short(store.balances)}",
        expected="balances a 70, b 80",
    )


@pytest.mark.category("correctness")
@SCENES
@given(st.lists(st.integers(0, 100), min_size=4, max_size=4), plans)
@example([100, 50, 0, 10], [(0, 1, 30, 0), (1, 0, 20, 0), (0, 2, 10, 0)])  # the docstring's example
@example([60, 60, 60, 60], [(0, 1, 10, 0), (0, 2, 10, 0), (0, 3, 10, 0), (1, 0, 5, 1)])  # one source, many at once
@example([10, 0, 0, 0], [(0, 1, 10, 0), (1, 2, 10, 1), (2, 3, 10, 2), (3, 0, 10, 3)])  # a chain, overlapping
def test_concurrent_transfers_keep_every_update(kata, balances, plan):
    """Transfers run at once, in any pattern: the total is kept, no balance goes below zero, and the balances
    are exactly what the transfers that returned moved (no update lost)."""
    store = FakeStore(dict(zip("abcd", balances, strict=True)), delay=STORE)
    played = play(kata, store, transfers_from(plan))
    expect_bank(played)
    expect_no_deadlock(played)
    expect_books_balance(played)


@pytest.mark.category("exceptions")
def test_insufficient_funds_raise_and_write_nothing(kata):
    """A source with less than the amount: ValueError, and nothing written."""
    store = FakeStore({"a": 20, "b": 50}, delay=STORE)
    played = play(kata, store, [Transfer(1, "a", "b", 30)])
    expect_bank(played)
    outcome = played.transfer(1).outcome
    expect(
        outcome is not None and isinstance(outcome.error, ValueError) and not store.writes(),
        saw=f"{played.setting()}; store calls: {store.log()}",
        expected="ValueError, and no write",
        mistake="a balance checked only after writing, or not at all" if store.writes() else None,
    )


@pytest.mark.category("exceptions")
@pytest.mark.parametrize(("src", "dst", "amount"), [("a", "b", 0), ("a", "b", -5), ("a", "a", 10)])
def test_invalid_transfer_raises_before_any_store_call(kata, src, dst, amount):
    """`amount <= 0` or `src == dst`: ValueError before any store call."""
    store = FakeStore({"a": 100, "b": 50}, delay=STORE)
    played = play(kata, store, [Transfer(1, src, dst, amount)])
    expect_bank(played)
    outcome = played.transfer(1).outcome
    expect(
        outcome is not None and isinstance(outcome.error, ValueError) and not store.calls,
        saw=f"{played.setting()}; store calls: {store.log()}",
        expected="ValueError, before any store call",
        mistake="the arguments are checked only after reading the balances, or not at all" if store.calls else None,
    )


@pytest.mark.category("concurrency")
def test_opposite_transfers_do_not_deadlock(kata):
    """Transfers between the same two accounts in opposite directions, at once, both complete: also when one
    of them had to wait for its first account, while the other took its own first."""
    store = FakeStore({"a": 100, "b": 100}, delay=STORE)
    played = play(kata, store, [Transfer(1, "a", "b", 30), Transfer(2, "b", "a", 20)])
    expect_bank(played)
    expect_no_deadlock(played)
    expect_books_balance(played)
    # a->c holds a until t=1; a->b waits for a from 0.25; b->a comes at 0.5, when b is free and a is not.
    store = FakeStore({"a": 100, "b": 100, "c": 0}, delay=STORE)
    played = play(
        kata, store, [Transfer(1, "a", "c", 10), Transfer(2, "a", "b", 30, 0.25), Transfer(3, "b", "a", 20, 0.5)]
    )
    expect_bank(played)
    expect_no_deadlock(played)
    expect_books_balance(played)


@pytest.mark.category("concurrency")
def test_unrelated_transfers_run_at_the_same_time(kata):
    """Transfers that share no account do not wait for each other: both start reading at once."""
    store = FakeStore({"a": 100, "b": 100, "c": 100, "d": 100}, delay=STORE)
    played = play(kata, store, [Transfer(1, "a", "b", 30), Transfer(2, "c", "d", 20)])
    expect_bank(played)
    expect_no_deadlock(played)
    first_reads = {}
    for call in store.calls:
        first_reads.setdefault(call.account, call.started)
    start = min((when for account, when in first_reads.items() if account in "cd"), default=None)
    late = start is not None and start > EPSILON
    expect(
        not late and set(first_reads) >= {"a", "c"},
        saw=f"{played.setting()}; store calls: {store.log()}",
        expected="both transfers to start reading at t=0: they share no account",
        mistake="one lock for the whole bank: every transfer waits for every other; lock the two accounts only"
        if late
        else None,
    )
    expect_books_balance(played)


@pytest.mark.category("exceptions")
def test_cancelled_before_writing_changes_nothing(kata):
    """A transfer cancelled before its first write ends cancelled, having written nothing; its accounts are free
    for the next transfer."""
    store = FakeStore({"a": 100, "b": 50}, delay=STORE)
    played = play(kata, store, [Transfer(1, "a", "b", 30, cancel_at=0.125), Transfer(2, "a", "b", 10, at=1.0)])
    expect_bank(played)
    expect_no_deadlock(played)
    first = played.transfer(1)
    expect(
        first.outcome is not None and first.outcome.cancelled,
        saw=played.setting(),
        expected="the transfer cancelled at t=0.125, while reading, to end cancelled",
        mistake="the CancelledError was caught and the transfer went on" if first.outcome is not None else None,
    )
    expect(
        store.balances == {"a": 90, "b": 60} and all(call.balance in (90, 60) for call in store.writes()),
        saw=f"{played.setting()}; store calls: {store.log()}; balances in the end: {short(store.balances)}",
        expected="nothing written by the cancelled transfer; the next one moves its 10: a 90, b 60",
        mistake="a lock was left held by the cancelled transfer"
        if played.transfer(2).outcome is None or not played.transfer(2).outcome.returned
        else None,
    )


@pytest.mark.category("exceptions")
@pytest.mark.parametrize("offset", [0.0, 0.125])
def test_cancelled_while_writing_completes_both_writes(kata, offset):
    """A transfer cancelled once writing has begun: both writes complete, then it ends cancelled."""
    store = FakeStore({"a": 100, "b": 50}, delay=STORE)
    # Cancelled as the store sees the first write begin, or halfway through it.
    played = play(kata, store, [Transfer(1, "a", "b", 30, cancel_after_write=offset)])
    expect_bank(played)
    expect_no_deadlock(played)
    transfer = played.transfer(1)
    writes = store.writes()
    done = [call for call in writes if call.outcome == "returned"]
    expect(
        len(done) == 2 and store.balances == {"a": 70, "b": 80},
        saw=f"{played.setting()}; store calls: {store.log()}; balances in the end: {short(store.balances)}",
        expected="both writes to complete (a 70, b 80): money must not vanish halfway",
        mistake="the cancellation reached the writes: shield them (asyncio.shield on a task doing both), and wait "
        "for that task even when cancelled"
        if any(call.outcome == "cancelled" for call in writes) or len(writes) < 2
        else None,
    )
    last = max((call.ended or 0.0) for call in writes)
    expect(
        transfer.outcome is not None and transfer.outcome.cancelled and transfer.timed.ended >= last - EPSILON,
        saw=f"{played.setting()}; the last write ended at {at(last)}",
        expected="the transfer to end cancelled, once both writes were done",
        mistake="the cancellation was swallowed: once the writes are done, raise CancelledError again"
        if transfer.outcome is not None and transfer.outcome.returned
        else "the transfer ended before its writes were done (shield alone does not wait)",
    )


@pytest.mark.category("exceptions")
@pytest.mark.parametrize("kind", ["read", "write"])
def test_store_errors_propagate(kata, kind):
    """What the store raises reaches the caller unchanged, and the accounts are free for the next transfer."""
    failure = ConnectionResetError(f"store {kind} failed")
    store = FakeStore({"a": 100, "b": 50}, delay=STORE, errors={(kind, "a"): failure})
    played = play(kata, store, [Transfer(1, "a", "b", 30), Transfer(2, "b", "a", 10, at=2.0)])
    expect_bank(played)
    expect_no_deadlock(played)
    first = played.transfer(1).outcome
    expect(
        first is not None and first.error is failure,
        saw=played.setting(),
        expected=f"the first transfer to raise {describe_error(failure)}, the very exception the store raised",
    )
    second = played.transfer(2).outcome
    expect(
        second is not None and second.returned,
        saw=played.setting(),
        expected="the second transfer to complete: the first one's failure must release its accounts",
        mistake="a lock left held after an error: use `async with lock:` rather than acquire/release by hand",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While transfers wait for the store and for each other, the event loop keeps running other tasks."""
    store = FakeStore({"a": 100, "b": 100, "c": 100}, delay=0.01)
    made = await run(kata.Bank.in_loop_thread(store))
    expect(made.returned, saw=f"Bank(store): {made.describe()}", expected="a bank")
    bank = made.value
    async with LoopWatch() as watch:
        outcomes = [
            await outcome
            for outcome in [
                asyncio.ensure_future(run(bank.transfer(src, dst, 10)))
                # No two in opposite directions: a deadlock is the business of another check, not a wait here.
                for src, dst in [("a", "b"), ("a", "c"), ("b", "c"), ("a", "b")]
            ]
        ]
    expect(
        all(outcome.returned for outcome in outcomes),
        saw="; ".join(outcome.describe() for outcome in outcomes),
        expected="four transfers to complete",
    )
    watch.expect_free()
