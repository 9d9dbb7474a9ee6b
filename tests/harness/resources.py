"""Fake resources a kata's code opens, hands out and closes: connections, from a connect function.

`connect = FakeConnector(delay=..., close_delay=...)`: `await connect()` takes `delay` seconds (on the judge's
loop's clock: simulated under harness.timeline), then returns a new FakeConnection; `errors` makes chosen
attempts raise instead. `await conn.close()` takes `close_delay` seconds (`close_errors` makes chosen connections'
close raise, after its delay). A connection crosses to the sandbox as an object whose `close` method the learner's
code can call (`lent_methods`), and comes back to the judge as the very object.

Instruments: `attempts` (every connect call: start, end, outcome, connection), `connections`, `places` and
`peak_places` (connects under way plus connections made and not yet closed: what a pool of a given size may hold
at most; a connection whose close() is still running still counts), `connecting` and `peak_connecting`, and per
connection its close calls, their start and end.
"""

import asyncio
import math
from collections.abc import Iterable
from dataclasses import dataclass

from .timing import real_sleep


def _now() -> float:
    return asyncio.get_running_loop().time()


class FakeConnection:
    """One connection: `await conn.close()`; records when close was called and when it returned."""

    lent_methods = ("close",)

    def __init__(self, connector: "FakeConnector", number: int) -> None:
        self.connector = connector
        self.number = number
        self.opened = _now()
        self.close_calls: list[float] = []  # when each close() started
        self.closed: float | None = None  # when the first close() returned (or raised): the place is free then
        self.close_outcome = "not called"  # then "running", "returned", "raised", "cancelled"

    async def close(self) -> None:
        first = not self.close_calls
        self.close_calls.append(_now())
        if not first:
            return
        self.close_outcome = "running"
        try:
            await real_sleep(self.connector.close_delay)
            if self.number in self.connector.close_errors:
                self.close_outcome = "raised"
                raise self.connector.close_errors[self.number]
            self.close_outcome = "returned"
        except asyncio.CancelledError:
            self.close_outcome = "cancelled"
            raise
        finally:
            self.closed = _now()
            self.connector._left()

    @property
    def is_closed(self) -> bool:
        return self.closed is not None

    def __repr__(self) -> str:
        return f"<connection {self.number}>"


@dataclass
class ConnectAttempt:
    number: int
    started: float
    ended: float | None = None
    outcome: str = "running"  # then "returned", "raised", "cancelled"
    connection: FakeConnection | None = None


class FakeConnector:
    """`await connect()`: a new FakeConnection after `delay` seconds; attempt k (1, 2, ...) in `errors` raises
    that exception instead, after the delay."""

    calling = "async"

    def __init__(
        self,
        *,
        delay: float = 0.25,
        close_delay: float = 0.125,
        errors: dict[int, BaseException] | None = None,
        close_errors: dict[int, BaseException] | None = None,
    ) -> None:
        self.delay = delay
        self.close_delay = close_delay
        self.errors = dict(errors or {})
        self.close_errors = dict(close_errors or {})  # connection number -> what its close() raises
        self.attempts: list[ConnectAttempt] = []
        self.connections: list[FakeConnection] = []
        self.places = 0
        self.peak_places = 0
        self.connecting = 0
        self.peak_connecting = 0
        self.__name__ = "connect"

    async def __call__(self) -> FakeConnection:
        attempt = ConnectAttempt(len(self.attempts) + 1, _now())
        self.attempts.append(attempt)
        self.places += 1
        self.peak_places = max(self.peak_places, self.places)
        self.connecting += 1
        self.peak_connecting = max(self.peak_connecting, self.connecting)
        made = False
        try:
            await (asyncio.get_running_loop().create_future() if math.isinf(self.delay) else real_sleep(self.delay))
            if attempt.number in self.errors:
                attempt.outcome = "raised"
                raise self.errors[attempt.number]
            connection = FakeConnection(self, len(self.connections) + 1)
            self.connections.append(connection)
            attempt.connection = connection
            attempt.outcome = "returned"
            made = True
            return connection
        except asyncio.CancelledError:
            attempt.outcome = "cancelled"
            raise
        finally:
            attempt.ended = _now()
            self.connecting -= 1
            if not made:
                self.places -= 1

    def _left(self) -> None:
        self.places -= 1

    def open_connections(self) -> list[FakeConnection]:
        return [connection for connection in self.connections if not connection.is_closed]

    def closed_connections(self) -> list[FakeConnection]:
        return [connection for connection in self.connections if connection.close_calls]

    def numbers(self, connections: Iterable[FakeConnection]) -> list[int]:
        return [connection.number for connection in connections]

    def __repr__(self) -> str:
        return "<function connect>"


@dataclass
class StoreCall:
    """One call of a FakeStore: "read" or "write", of `account` (with `balance` for a write)."""

    kind: str
    account: object
    started: float
    balance: int | None = None
    ended: float | None = None
    outcome: str = "running"  # then "returned", "raised", "cancelled"

    def describe(self) -> str:
        what = f"read({self.account!r})" if self.kind == "read" else f"write({self.account!r}, {self.balance!r})"
        end = f"-{self.ended:g}" if self.ended is not None else "-…"
        tail = "" if self.outcome == "returned" else f" {self.outcome}"
        return f"{what} {self.started:g}{end}{tail}"


class FakeStore:
    """A store of balances: `await store.read(account)` and `await store.write(account, balance)`, each taking
    `delay` seconds (on the judge's loop's clock); a write takes effect when it returns. `errors` maps
    (kind, account) to an exception that call raises, once, after its delay.

    Instruments: `balances` (now), `calls` (every read and write, with start, end and outcome), `negative` (writes
    of a balance below zero), `busy(account)` (calls on it running now)."""

    lent_methods = ("read", "write")

    def __init__(
        self, balances: dict, *, delay: float = 0.25, errors: dict[tuple[str, object], BaseException] | None = None
    ) -> None:
        self.balances = dict(balances)
        self.initial = dict(balances)
        self.delay = delay
        self.errors = dict(errors or {})
        self.calls: list[StoreCall] = []
        self.negative: list[StoreCall] = []
        self.watchers: list = []  # called with each StoreCall as it starts (a scene waiting for the first write)

    async def read(self, account) -> int:
        return await self._call(StoreCall("read", account, _now()))

    async def write(self, account, balance) -> None:
        call = StoreCall("write", account, _now(), balance)
        if not isinstance(balance, int) or balance < 0:
            self.negative.append(call)
        await self._call(call)

    async def _call(self, call: StoreCall):
        self.calls.append(call)
        for watcher in list(self.watchers):
            watcher(call)
        try:
            await real_sleep(self.delay)
            error = self.errors.pop((call.kind, call.account), None)
            if error is not None:
                call.outcome = "raised"
                raise error
            if call.account not in self.balances:
                call.outcome = "raised"
                raise KeyError(call.account)
            call.outcome = "returned"
            if call.kind == "read":
                return self.balances[call.account]
            self.balances[call.account] = call.balance
            return None
        except asyncio.CancelledError:
            call.outcome = "cancelled"
            raise
        finally:
            call.ended = _now()

    def writes(self) -> list[StoreCall]:
        return [call for call in self.calls if call.kind == "write"]

    def log(self) -> str:
        return "; ".join(call.describe() for call in self.calls) or "no store call"

    def __repr__(self) -> str:
        return "<store>"
