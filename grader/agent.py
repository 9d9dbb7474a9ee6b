"""The sandbox's agent: it imports the learner's module and runs its functions for the judge, and nothing else.

    main([FD, SIDE_SOCKET])  # in a process forked from the sandboxes' zygote (grader/sandboxes.py)

It boots before it knows what to grade (watch mode keeps one ready while the learner edits), then waits for the
judge's first message: the module to import and the paths to hide from it. It runs in a process of its own, with
the learner's code (see grader/confine.py for what that process may do).
It reports only data: what the learner's functions returned or raised, the calls they made of what the judge
lent them (fakes, callbacks), and probes that only this process can take (a `time.sleep` in the loop's thread,
tasks left running, errors nobody retrieved, warnings). The judge decides every verdict; nothing said here can
pass a check, since the learner's code shares this process and could say anything.

Channels: the main one (a socketpair, handed over as FD) carries, in order, calls, their ends, the invocations the
event loop's thread makes of the judge's objects, pings and probes. Other threads, other event loops and child
processes (a process pool's workers) reach the judge through a connection of their own to SIDE_SOCKET.
"""

import asyncio
import collections
import gc
import heapq
import importlib.util
import multiprocessing
import os
import select
import selectors
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import wire

SIDE_SOCKET = "KATA_SIDE_SOCKET"
real_sleep = asyncio.sleep
MAX_TICKS = 10_000  # that the judge may ask a stand-in's answer to wait
real_time_sleep = time.sleep
IDLE_PATIENCE = 2.0  # how long a call asked for "once idle" waits for the loop to wait, at most

_agent: "Agent | None" = None  # in the sandbox's own process; None in a pool's worker processes


# --- stand-ins for the judge's objects --------------------------------------------------------------------------


class JudgeObject:
    """An object the judge lent that is neither callable nor plain data: it can be handed back as the very object;
    with methods, its stand-in is a subclass made by _object_stand_in."""

    def __init__(self, ref: dict) -> None:
        self.__kata_ref__ = ref

    def __repr__(self) -> str:
        return self.__kata_ref__.get("repr", "<object>")


class SyncProxy:
    """A plain function of the judge's: calling it blocks the calling thread until the judge answers. Picklable,
    so a process pool can run it in a worker: the worker reaches the judge through the side socket."""

    def __init__(self, ref: dict) -> None:
        self.__kata_ref__ = ref
        self.__name__ = self.__qualname__ = ref.get("name", "function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return invoke_sync(self.__kata_ref__, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"

    def __reduce__(self):
        return (SyncProxy, (self.__kata_ref__,))


def async_proxy(ref: dict):
    """An async function of the judge's: awaiting a call sends it to the judge, which runs the body on its own
    loop and clock; cancelling the awaiting task cancels that body, and the call ends once the judge says so."""

    async def proxy(*args: Any, **kwargs: Any) -> Any:
        return await invoke_async(ref, args, kwargs)

    proxy.__name__ = proxy.__qualname__ = ref.get("name", "function")
    proxy.__kata_ref__ = ref
    return proxy


def _origin(value: Any) -> dict | None:
    try:
        found = object.__getattribute__(value, "__dict__").get("__kata_ref__")
    except Exception:
        return None
    return found if isinstance(found, dict) and found.get("owner") == "judge" else None


_stand_ins: dict[int, Any] = {}


def _imported(ref: dict) -> Any:
    if ref.get("owner") == "sandbox":
        if _agent is None:
            raise wire.WireError("a reference to an object this sandbox never sent")
        return _agent.exported.get(ref.get("id"))
    if ref.get("owner") != "judge" or not isinstance(ref.get("id"), int):
        raise wire.WireError("a malformed reference")
    if ref["id"] not in _stand_ins:
        kind = ref.get("kind")
        _stand_ins[ref["id"]] = (
            async_proxy(ref) if kind == "async" else SyncProxy(ref) if kind == "sync" else _object_stand_in(ref)
        )
    return _stand_ins[ref["id"]]


def _object_stand_in(ref: dict) -> JudgeObject:
    """An object of the judge's; given "methods" (name -> a reference to the judge's function), its stand-in has
    those methods, each a call of that function: an async iterator lent as `__anext__` and `aclose` is iterated
    and closed as any other (`__aiter__` gives itself)."""
    methods = ref.get("methods")
    if methods is None:
        return JudgeObject(ref)
    if not isinstance(methods, dict) or not all(isinstance(name, str) and name.isidentifier() for name in methods):
        raise wire.WireError("methods that are not a dict of names")
    namespace = {name: _method(_imported(method)) for name, method in methods.items() if isinstance(method, dict)}
    if "__anext__" in namespace and "__aiter__" not in namespace:
        namespace["__aiter__"] = lambda self: self
    return type("JudgeObject", (JudgeObject,), namespace)(ref)


def _method(function):
    def method(self, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    method.__name__ = method.__qualname__ = getattr(function, "__name__", "method")
    return method


def _export(value: Any) -> dict:
    if _agent is None:
        raise wire.WireError(f"a worker process cannot send {wire.short_repr(value)}")
    return _agent.export(value)


def _where(error: BaseException) -> str | None:
    return _agent.where(error.__traceback__) if _agent is not None else None


codec = wire.Codec("sandbox", _export, _imported, _origin, _where, calls=True)


# --- invoking the judge's objects -------------------------------------------------------------------------------


class _SideConnection(threading.local):
    sock: socket.socket | None = None
    reader: wire.LineReader | None = None
    counter = 0


_side = _SideConnection()


def _forked() -> None:
    """In a process forked from the sandbox (a process pool's worker): not the agent, so it reaches the judge over
    a connection of its own, never the sandbox's (the judge tells the calling process by its connection)."""
    global _agent, _side
    _agent, _side = None, _SideConnection()
    sys.setprofile(None)


os.register_at_fork(after_in_child=_forked)
_lingering: list[float] = []


def _linger(seconds: Any) -> None:
    """The judge's word that this worker process takes `seconds` to exit once told to (once per process): a pool
    shut down and waited for is gone when the learner's function returns; one left to wind down is not."""
    if _agent is None and not _lingering and isinstance(seconds, (int, float)) and 0 < seconds <= 5:
        import multiprocessing.util

        _lingering.append(seconds)
        multiprocessing.util.Finalize(None, real_time_sleep, args=(seconds,), exitpriority=0)


def _side_socket() -> socket.socket:
    if _side.sock is None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(os.environ[SIDE_SOCKET])
        _side.sock, _side.reader = sock, wire.LineReader()
    return _side.sock


def _read_reply(sock: socket.socket, reader: wire.LineReader, number: int) -> dict:
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("the judge closed the connection")
        for message in reader.feed(data):
            if message.get("op") != "done" or message.get("id") != number:
                raise wire.WireError("an answer to a call not made")
            return message


def _after_cancel(answer: dict) -> dict:
    """The judge's answer to a call this side cancelled: as asyncio does for a future awaited by a cancelled task,
    the call ends cancelled, unless the judge's body saw the cancellation and chose to end otherwise."""
    return answer if answer.get("cancel_seen") else {"outcome": "cancelled"}


def _outcome(message: dict) -> Any:
    if message.get("outcome") == "returned":
        return codec.decode(message.get("value"))
    if message.get("outcome") == "raised":
        raise codec.decode_raised(message.get("error"))
    raise asyncio.CancelledError()


def _request(ref: dict, args: tuple, kwargs: dict) -> dict:
    return {"op": "invoke", "ref": ref["id"], "args": codec.encode(list(args)), "kwargs": codec.encode(kwargs)}


def invoke_sync(ref: dict, args: tuple, kwargs: dict) -> Any:
    request = _request(ref, args, kwargs)
    agent = _agent
    if agent is not None and agent.owns_this_thread():
        return _outcome(agent.invoke_blocking(request))
    sock = _side_socket()
    _side.counter += 1
    sock.sendall(wire.dumps({**request, "id": _side.counter}))
    answer = _read_reply(sock, _side.reader, _side.counter)
    _linger(answer.get("linger"))
    return _outcome(answer)


async def invoke_async(ref: dict, args: tuple, kwargs: dict) -> Any:
    request = _request(ref, args, kwargs)
    agent = _agent
    if agent is not None and agent.owns_this_loop():
        return _outcome(await agent.invoke_on_loop(request))
    # Another event loop (one the learner's code made, in a thread of its own): a connection for this call.
    reader, writer = await asyncio.open_unix_connection(os.environ[SIDE_SOCKET])
    try:
        writer.write(wire.dumps({**request, "id": 1}))
        lines = wire.LineReader()
        pending: list[dict] = []
        cancelled = False
        while True:
            try:
                while not pending:
                    data = await reader.read(65536)
                    if not data:
                        raise ConnectionError("the judge closed the connection")
                    pending = lines.feed(data)
            except asyncio.CancelledError:
                cancelled = True
                writer.write(wire.dumps({"op": "cancel", "id": 1}))
                continue
            message = pending.pop(0)
            if message.get("op") != "spawn":  # outside the try: the judge's "cancelled" ends this call cancelled
                return _outcome(_after_cancel(message) if cancelled else message)
            _spawn(message)
    finally:
        writer.close()


def _spawn(message: dict) -> None:
    """The judge's async function, called from a loop the learner's code made, starts a task on that loop (as the
    body of an async function may): a call of another of the judge's functions, left for the loop's owner to
    cancel or await."""
    function = codec.decode(message.get("call"))
    args = codec.decode(message.get("args", []))
    if not callable(function) or not isinstance(args, list):
        raise wire.WireError("a task to start that is not a call of a judge's function")
    asyncio.get_running_loop().create_task(function(*args))


# --- the agent ----------------------------------------------------------------------------------------------------


class SimulatedLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock the judge keeps: when nothing here is ready, the agent says so (with its next
    timer and how many of the judge's messages it has read) and waits; the judge moves both clocks on, with an
    "advance", once both sides wait. Once the check ends, nobody keeps the clock: it jumps to the next timer, so
    the cleanup's own timeouts expire."""

    def __init__(self, agent: "Agent") -> None:
        self.now = 0.0
        self.agent = agent
        super().__init__(_IdleSelector(self))

    def time(self) -> float:
        return self.now


class _IdleSelector(selectors.DefaultSelector):
    def __init__(self, loop: SimulatedLoop) -> None:
        super().__init__()
        self.simulated = loop

    def select(self, timeout: float | None = None):
        events = super().select(0)
        if events or timeout == 0:
            return events
        agent = self.simulated.agent
        if agent._check_over is not None and agent._check_over.done():
            if timeout is None:
                return super().select(None)
            self.simulated.now += timeout
            return events
        following = None if timeout is None else self.simulated.now + timeout
        agent.send({"op": "idle", "next": following, "seen": agent.seen})
        return super().select(None)


class Lane:
    """One task of the sandbox's that runs the judge's calls queued for it one after another (calls with
    `how="lane:NAME"`). A cancel of the call it runs cancels the task; of one still queued, that call once begun."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.task: asyncio.Task | None = None
        self.queue: collections.deque = collections.deque()
        self.wakeup: asyncio.Future = loop.create_future()
        self.current: int | None = None
        self.cancelling = False  # the call it runs was cancelled by the judge
        self.cancel_first: set[int] = set()

    def holds(self, number: int) -> bool:
        return number == self.current or any(queued == number for queued, _ in self.queue)

    def cancel(self, number: int) -> None:
        if number == self.current:
            self.cancelling = True
            self.task.cancel()
        else:
            self.cancel_first.add(number)


class _WatchedSelector(selectors.DefaultSelector):
    """The selector of a check's real-time loop: `idle` is set while the loop's thread waits for events, its
    timeout already computed (a callback added from another thread without waking the loop now waits there)."""

    def __init__(self, idle: threading.Event) -> None:
        super().__init__()
        self.idle = idle

    def select(self, timeout: float | None = None):
        if timeout == 0:
            return super().select(0)
        self.idle.set()
        try:
            return super().select(timeout)
        finally:
            self.idle.clear()


class BlockingSleep(BaseException):
    """Raised in the learner's code in place of a time.sleep call on a simulated clock, which it could not move."""


class TickClock:
    """Turns of the check's loop as the judge's ticks fakes count them: a call of the judge's that ends `n` ticks
    after it was made is handed over at tick start + n. The clock stands still while the judge owes an answer (it
    has not yet said whether a call ends in ticks) or has not yet acted on an item it asked an iterator for, so
    however slow the round trips, ends come in exactly the order the judge set. It turns only while someone waits
    on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, own_tasks: set) -> None:
        self.loop, self.own_tasks = loop, own_tasks
        self.now = 0
        self.unanswered = 0
        self.settled = asyncio.Event()
        self.settled.set()
        self.due: list[tuple[int, int, asyncio.Future]] = []
        self.ticker: asyncio.Task | None = None

    def hold(self) -> None:
        self.unanswered += 1
        self.settled.clear()

    def release(self, count: int = 1) -> None:
        self.unanswered = max(0, self.unanswered - count)
        if self.unanswered == 0:
            self.settled.set()

    def at(self, tick: int) -> asyncio.Future:
        future = self.loop.create_future()
        if tick <= self.now:
            future.set_result(None)
            return future
        heapq.heappush(self.due, (tick, id(future), future))
        if self.ticker is None or self.ticker.done():
            self.ticker = self.loop.create_task(self._tick())
            self.own_tasks.add(self.ticker)
        return future

    async def _tick(self) -> None:
        while self.due:
            await self.settled.wait()
            await real_sleep(0)
            self.now += 1
            while self.due and self.due[0][0] <= self.now:
                future = heapq.heappop(self.due)[2]
                if not future.done():
                    future.set_result(None)


_handle_run = asyncio.events.Handle._run


def _armed_run(handle: asyncio.events.Handle) -> None:
    """Handle._run while a simulated check runs: every callback and task step starts with the time.sleep stop in
    place. The interpreter drops a profile function that raises, so after one BlockingSleep another time.sleep in
    the same loop iteration (a second task's) would block for real, and again at every turn of its loop."""
    agent = _agent
    running = agent is not None and agent._check_over is not None and not agent._check_over.done()
    if running and sys.getprofile() is None:
        sys.setprofile(agent._stop_time_sleep)
    return _handle_run(handle)


class Agent:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.module_path = self.folder = Path()  # the judge's first message names them
        self.shown_as = ""
        self.reader = wire.LineReader()
        self.inbox: collections.deque[dict] = collections.deque()
        self.seen = 0  # messages read from the judge
        self.send_lock = threading.Lock()
        self.exported = wire.Lent()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.main_thread = threading.get_ident()
        self.module = None
        self.calls: dict[int, asyncio.Task] = {}
        self.lanes: dict[str, Lane] = {}  # tasks that run the judge's calls one after another, by name
        self.started: set[int] = set()  # calls whose task has begun its coroutine
        self.cancelled_calls: set[int] = set()  # calls the judge has cancelled, until they end
        self.driven: set[int] = set()  # calls of __anext__ the judge made, until they end
        self.waiting: dict[int, asyncio.Future] = {}
        self.acknowledged: dict[int, Callable[[], None]] = {}  # invocations the judge has not yet answered or acked
        self.own_tasks: set[asyncio.Task] = set()
        self.loop_errors: list[str] = []
        self.unawaited: list[str] = []
        self.sleep_calls: list[str] = []
        self.unclosed_loops = 0  # event loops collected while still open (asyncio warns then)
        self.invocations = 0
        self._draining = False
        self._check_over: asyncio.Future | None = None
        self.clock: TickClock | None = None
        self.idle = threading.Event()  # the check's loop waits for events (see _WatchedSelector)
        self.children_watch: dict | None = None  # probe "watch_children": on while it holds the watcher it replaced

    # sending and reading

    def send(self, message: dict) -> None:
        try:
            line = wire.dumps(message)
        except (wire.WireError, ValueError) as error:
            line = wire.dumps({"op": "fault", "detail": wire.cap(f"could not send a message: {error}")})
        with self.send_lock:
            self.sock.sendall(line)

    def _read(self, block: bool) -> bool:
        """Read what has arrived into the inbox; False at end of file."""
        # The socket stays blocking: it is read only once select says it is readable.
        if not block and not select.select([self.sock], [], [], 0)[0]:
            return True
        data = self.sock.recv(1 << 16)
        if not data:
            return False
        messages = self.reader.feed(data)
        self.seen += len(messages)
        self.inbox.extend(messages)
        return True

    def owns_this_thread(self) -> bool:
        return threading.get_ident() == self.main_thread and self.loop is not None

    def owns_this_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop and threading.get_ident() == self.main_thread
        except RuntimeError:
            return False

    # objects lent to the judge

    def export(self, value: Any) -> dict:
        kind = "async" if asyncio.iscoroutinefunction(value) else "sync" if callable(value) else "object"
        return {
            "owner": "sandbox",
            "id": self.exported.number(value),
            "type": wire.cap(type(value).__qualname__, 100),
            "repr": wire.short_repr(value),
            "kind": kind,
            "description": self._describe(value),
        }

    @staticmethod
    def _describe(value: Any) -> dict:
        """What the judge may want to know of a learner's object at once, as data it can only use to fail."""
        if isinstance(value, asyncio.AbstractServer):
            sockets = []
            for sock in getattr(value, "sockets", None) or ():
                try:
                    sockets.append([int(sock.family), list(sock.getsockname())[:2]])
                except OSError:
                    pass
            return {"asyncio.Server": True, "serving": bool(value.is_serving()), "sockets": sockets}
        return {}

    def where(self, tb) -> str | None:
        """The last place in the learner's files that a traceback passed through, as 'exercises/NAME.py, line N'."""
        found = None
        while tb is not None:
            if Path(tb.tb_frame.f_code.co_filename).parent == self.folder:
                found = self._place(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
            tb = tb.tb_next
        return found

    def _place(self, filename: str, line: int) -> str:
        """A place as the learner knows it: their own files by the graded folder's name, others by path."""
        if Path(filename).parent == self.folder:
            filename = f"{self.shown_as.rpartition('/')[0]}/{Path(filename).name}"
        return f"{filename}, line {line}"

    # the learner's module

    def load(self) -> dict:
        name = self.module_path.stem
        spec = importlib.util.spec_from_file_location(name, self.module_path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as error:
            del sys.modules[name]
            where = self.where(error.__traceback__)
            if isinstance(error, SyntaxError) and error.filename:
                where = f"{self.shown_as}, line {error.lineno}"
            return {"op": "hello", "error": codec.encode(error), "where": where, "pid": os.getpid()}
        self.module = module
        return {"op": "hello", "pid": os.getpid()}

    # serving the judge

    def serve(self) -> None:
        order = self._next()
        if order is None:
            return
        if order["op"] != "load" or not all(isinstance(order.get(key), str) for key in ("path", "shown")):
            raise wire.WireError("the judge's first message must say which module to load")
        self.module_path, self.shown_as = Path(order["path"]), order["shown"]
        self.folder = self.module_path.parent
        _confine([path for path in order.get("hidden", []) if isinstance(path, str)])
        self.send(self.load())
        while (message := self._next()) is not None:
            if message["op"] == "check":
                self._run_check(simulated=bool(message.get("simulated")))
            elif message["op"] == "exit":
                return

    def _next(self) -> dict | None:
        """The judge's next message between checks; None once it has closed the connection."""
        while not self.inbox:
            if not self._read(block=True):
                return None
        return self.inbox.popleft()

    def _run_check(self, simulated: bool) -> None:
        loop = SimulatedLoop(self) if simulated else asyncio.SelectorEventLoop(_WatchedSelector(self.idle))
        self.loop = loop
        loop.set_exception_handler(self._record_loop_error)
        loop.add_reader(self.sock.fileno(), self._readable)
        self._check_over = loop.create_future()
        self.clock = TickClock(loop, self.own_tasks)
        if simulated:  # every callback and task step starts with the time.sleep stop in place
            asyncio.events.Handle._run = _armed_run
        try:
            loop.call_soon(self._drain)
            loop.run_until_complete(self._check_over)
            report = loop.run_until_complete(self._end_check())
        finally:
            self._watch_children(False)
            asyncio.events.Handle._run = _handle_run
            sys.setprofile(None)
            loop.remove_reader(self.sock.fileno())
            self.loop = None
            asyncio.set_event_loop(None)
            loop.close()
        self.send(report)

    async def _end_check(self) -> dict:
        for future in self.waiting.values():  # the judge has stopped answering for this check
            if not future.done():
                future.set_result({"outcome": "cancelled"})
        leftover = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in leftover:
            task.cancel()
        if leftover:
            await asyncio.wait(leftover, timeout=1.0)
        try:
            await asyncio.wait_for(self.loop.shutdown_asyncgens(), 1.0)
        except Exception:  # asynchronous generators that will not close, or take too long: they go with the loop
            pass
        self.calls.clear()
        self.lanes.clear()
        self.started.clear()
        self.waiting.clear()
        self.acknowledged.clear()
        self.driven.clear()
        self.own_tasks.clear()
        report = {"op": "check_over", "leftover": len(leftover), "unawaited": self.unawaited[:20]}
        self.loop_errors, self.unawaited, self.sleep_calls = [], [], []
        self.unclosed_loops = 0
        return report

    def _readable(self) -> None:
        if not self._read(block=False):
            self._stop("the judge closed the connection")
            return
        self._drain()

    def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self.inbox:
                self._dispatch(self.inbox.popleft())
        finally:
            self._draining = False

    def _stop(self, why: str) -> None:
        if self._check_over is not None and not self._check_over.done():
            self._check_over.set_result(why)

    def _dispatch(self, message: dict) -> None:
        op = message["op"]
        released = message.get("release")
        if isinstance(released, int) and self.clock is not None:
            self.clock.release(released)
        if op == "call":
            self._call(message)
        elif op == "cancel":
            number = message.get("id")
            task = self.calls.get(number)
            if task is not None:
                self.cancelled_calls.add(number)
            lane = next((lane for lane in self.lanes.values() if lane.holds(number)), None)
            if lane is not None:
                lane.cancel(number)
            elif task is not None and number in self.started:
                task.cancel()
            elif task is not None:  # before its first step, its coroutine would never run: after that step, then
                self.loop.call_soon(task.cancel)
        elif op in ("done", "ack"):
            settle = self.acknowledged.pop(message.get("id"), None)
            if settle is not None:
                settle()
            future = self.waiting.pop(message.get("id"), None) if op == "done" else None
            if future is not None and not future.done():
                future.set_result(message)
        elif op == "ping":
            self.send({"op": "pong", "id": message.get("id")})
        elif op == "release":
            pass  # carried the judge's release alone
        elif op == "advance" and isinstance(self.loop, SimulatedLoop):
            self.loop.now = max(self.loop.now, float(message.get("time", 0.0)))
        elif op == "probe":
            self._probe(message)
        elif op == "end":
            self._stop("end of check")
        else:
            raise wire.WireError(f"an unknown operation {op!r}")

    # calls of the learner's functions

    def _target(self, message: dict):
        target = message.get("target")
        if isinstance(target, dict):  # a method of an object the learner's code made
            owner = codec.decode({"$ref": {"owner": "sandbox", "id": target.get("ref")}})
            if target.get("method") == "__aexit__":  # given the exception alone: a type does not cross
                return lambda error=None: owner.__aexit__(
                    type(error) if error is not None else None, error, getattr(error, "__traceback__", None)
                )
            return getattr(owner, str(target.get("method")))
        if not isinstance(target, str):
            raise wire.WireError("a call without a target")
        if not hasattr(self.module, target):
            raise AttributeError(f"module '{self.module_path.stem}' has no attribute '{target}'")
        return getattr(self.module, target)

    def _ended(self, number: int, how: str, value: Any = None, error: BaseException | None = None) -> None:
        # Whether the judge's cancellation reached the call before it ended: only the words of a failing check's
        # likely mistake depend on it.
        message = {"op": "ended", "id": number, "outcome": how, "cancel_reached": number in self.cancelled_calls}
        if self.children_watch is not None:
            message["children"] = _children()
        self.cancelled_calls.discard(number)
        try:
            if how == "returned":
                message["value"] = codec.encode(value)
            elif how == "raised":
                message["error"] = codec.encode(error)
        except wire.WireError as problem:
            message = {"op": "ended", "id": number, "outcome": "unsendable", "detail": str(problem)}
        if number in self.driven and self.clock is not None:
            # An item handed to an iterating judge: the tick clock stands still until the judge has acted on it
            # (its next message says so), so it gets every item in the ticks set, however long it takes to ask again.
            self.driven.discard(number)
            self.clock.hold()
            message["hold"] = True
        self.send(message)

    def _call(self, message: dict) -> None:
        number = message.get("id")
        how = message.get("how", "task")
        try:
            function = self._target(message)
        except AttributeError as error:
            if isinstance(message.get("target"), str):  # not the learner's code failing: its module lacks the function
                self.send({"op": "ended", "id": number, "outcome": "missing", "detail": wire.cap(str(error), 300)})
                return
            self._ended(number, "raised", error=error)
            return
        try:
            args = codec.decode(message.get("args", []))
            kwargs = codec.decode(message.get("kwargs", {"$dict": []}))
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise wire.WireError("arguments that are not a list and a dict")
        except Exception as error:
            self._ended(number, "raised", error=error)
            return
        if how == "thread":
            once_idle = bool(message.get("once_idle"))
            threading.Thread(
                target=self._call_plainly, args=(number, function, args, kwargs, once_idle), name="caller", daemon=True
            ).start()
            return
        if how == "sync":
            self._call_plainly(number, function, args, kwargs)
            return
        try:
            result = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - whatever the learner's code raised is the outcome
            self._ended(number, "raised", error=error)
            return
        if not hasattr(result, "__await__"):
            error = TypeError(
                f"{getattr(function, '__name__', 'the function')}(...) returned {wire.short_repr(result)}, "
                "not a coroutine: is it defined with `async def`?"
            )
            self._ended(number, "raised", error=error)
            return
        target = message.get("target")
        if isinstance(target, dict) and target.get("method") == "__anext__":
            self.driven.add(number)
        if how.startswith("lane:"):
            self._queue_in_lane(how[len("lane:") :], number, result)
            return
        task = self.loop.create_task(self._watched(number, result))
        self.own_tasks.add(task)
        self.calls[number] = task

    def _queue_in_lane(self, name: str, number: int, awaitable) -> None:
        """A call in the lane `name`: one task that runs its calls one after another, as one consumer's task
        awaits step after step of an async generator (what a generator's TaskGroup, timeout or context sees)."""
        lane = self.lanes.get(name)
        if lane is None or lane.task.done():
            lane = self.lanes[name] = Lane(self.loop)
            lane.task = self.loop.create_task(self._serve_lane(lane))
            self.own_tasks.add(lane.task)
        lane.queue.append((number, awaitable))
        if not lane.wakeup.done():
            lane.wakeup.set_result(None)

    async def _serve_lane(self, lane: "Lane") -> None:
        while True:
            while not lane.queue:
                lane.wakeup = self.loop.create_future()
                await lane.wakeup
            number, awaitable = lane.queue.popleft()
            lane.current, lane.cancelling = number, False
            self.started.add(number)
            if number in lane.cancel_first:  # cancelled before it began: after its first step, as a task's call
                lane.cancel(number)
            try:
                value = await awaitable
            except asyncio.CancelledError:
                self._ended(number, "cancelled")
                if not lane.cancelling:  # not the judge's cancel of this call: the check is over
                    raise
                # The task goes on, as a consumer's task goes on to aclose() once a step ended cancelled; and as
                # there, its cancellation stays counted (Task.cancelling()).
            except BaseException as error:  # noqa: BLE001
                self._ended(number, "raised", error=error)
            else:
                self._ended(number, "returned", value=value)
            finally:
                lane.current = None
                lane.cancel_first.discard(number)
                self.started.discard(number)

    async def _watched(self, number: int, awaitable) -> Any:
        # The end is told in the very step the learner's coroutine ends, before any other task runs.
        self.started.add(number)
        try:
            value = await awaitable
        except asyncio.CancelledError:
            self._ended(number, "cancelled")
            raise
        except BaseException as error:  # noqa: BLE001
            self._ended(number, "raised", error=error)
            return None
        finally:
            # Once ended, this task is nobody's: kept, its CancelledError's frames would keep the learner's tasks
            # alive, and an exception they never retrieved would go unreported until the check ends.
            self.calls.pop(number, None)
            self.started.discard(number)
            self.own_tasks.discard(asyncio.current_task())
        self._ended(number, "returned", value=value)
        return value

    def _call_plainly(self, number: int, function, args: list, kwargs: dict, once_idle: bool = False) -> None:
        """A plain function of the learner's, called in this thread: its value or exception is the outcome.
        `once_idle` (in a thread of its own): called once the loop's thread waits for events, so that what the
        function does to wake the loop (or fails to do) is what decides when the loop runs next."""
        if once_idle:
            self.idle.wait(IDLE_PATIENCE)
        try:
            value = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001
            self._ended(number, "raised", error=error)
        else:
            self._ended(number, "returned", value=value)

    # invocations of the judge's objects from the loop's thread, on the main channel

    async def invoke_on_loop(self, request: dict) -> dict:
        self.invocations += 1
        number = self.invocations
        done = self.loop.create_future()
        self.waiting[number] = done
        clock = self.clock
        start = clock.now
        clock.hold()
        self.acknowledged[number] = clock.release  # by the answer, or by the judge's word that it takes time
        self.send({**request, "id": number})
        cancelled = False
        while True:
            try:
                answer = await asyncio.shield(done)
                break
            except asyncio.CancelledError:
                cancelled = True
                self.send({"op": "cancel", "id": number})  # also when answered: the judge records what was seen
                if done.done():  # answered, but this task was cancelled before it resumed: it ends cancelled
                    answer = done.result()
                    break
        if cancelled:
            return _after_cancel(answer)
        ticks = answer.get("after_ticks")
        if isinstance(ticks, int) and 0 <= ticks <= MAX_TICKS:
            # The judge's fake ends this many ticks after the call was made: handed over on the clock, every such
            # end comes in the exact order the judge set; the judge hears when it was.
            try:
                await clock.at(start + ticks)
            except asyncio.CancelledError:
                self.send({"op": "cancel", "id": number})
                raise
            self.send({"op": "handed_over", "id": number})
        return answer

    def invoke_blocking(self, request: dict) -> dict:
        """A plain function of the judge's called in the loop's own thread: the loop is held until the answer
        comes, as it is by any blocking call; whatever else arrives meanwhile waits its turn in the inbox."""
        self.invocations += 1
        number = self.invocations
        self.send({**request, "id": number, "blocking": True})
        while True:
            # A call in a thread of its own needs nothing of this thread: it starts at once, as it would with
            # the loop free (the judge's function may wait for it before answering).
            for message in [m for m in self.inbox if m.get("op") == "call" and m.get("how") == "thread"]:
                self.inbox.remove(message)
                self._call(message)
            for index, message in enumerate(self.inbox):
                if message.get("op") == "done" and message.get("id") == number:
                    del self.inbox[index]
                    if self.inbox:
                        self.loop.call_soon(self._drain)
                    return message
            if not self._read(block=True):
                raise ConnectionError("the judge closed the connection")

    # probes

    def _probe(self, message: dict) -> None:
        what = message.get("what")
        number = message.get("id")
        if what == "settle":
            iterations, collect = int(message.get("iterations", 5)), bool(message.get("collect"))
            task = self.loop.create_task(self._settle(number, iterations, collect))
            self.own_tasks.add(task)
        elif what == "watch_sleeps":
            on = bool(message.get("on"))
            if on:  # turned off, it reports what it saw meanwhile
                self.sleep_calls = []
            sys.setprofile(self._note_time_sleep if on else None)
            self.send({"op": "probed", "id": number, "sleeps": self.sleep_calls[:20]})
        elif what == "open_loops":
            gc.collect()  # a loop nobody holds any more goes now: asyncio warns if it was left open
            alive = sum(
                1
                for thing in gc.get_objects()
                if isinstance(thing, asyncio.AbstractEventLoop) and thing is not self.loop and not thing.is_closed()
            )
            self.send({"op": "probed", "id": number, "open": alive + self.unclosed_loops})
        elif what == "watch_children":
            self._watch_children(bool(message.get("on")))
            self.send({"op": "probed", "id": number})
        elif what == "watch_streams":
            self.send({"op": "probed", "id": number, "waited": _watch_streams(bool(message.get("on")))})
        else:
            raise wire.WireError(f"an unknown probe {what!r}")

    def _watch_children(self, on: bool) -> None:
        """Probe "watch_children": while on, every call's end carries the states of this process's children at that
        moment (`_children`), and children are reaped on the check's loop on every Python (3.11's default watcher
        reaps in a thread of its own the moment a child exits, which would hide code that never waits for it)."""
        if on and self.children_watch is None:
            self.children_watch = {}
            if sys.version_info < (3, 12) and hasattr(os, "pidfd_open"):
                self.children_watch["replaced"] = asyncio.get_child_watcher()
                watcher = asyncio.PidfdChildWatcher()
                watcher.attach_loop(self.loop)
                asyncio.get_event_loop_policy()._watcher = watcher  # set_child_watcher would close the one replaced
        elif not on and self.children_watch is not None:
            replaced = self.children_watch.get("replaced")
            if replaced is not None:
                policy = asyncio.get_event_loop_policy()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # children never waited for: nobody reaps them now
                    policy._watcher.close()
                policy._watcher = replaced
            self.children_watch = None

    async def _settle(self, number: int, iterations: int, collect: bool) -> None:
        for _ in range(iterations):
            await real_sleep(0)
        if collect:  # a task that failed and that nobody holds is reported when it is collected
            gc.collect()
            for _ in range(3):
                await real_sleep(0)
        running = [task for task in asyncio.all_tasks() if not task.done() and task not in self.own_tasks]
        self.send({"op": "probed", "id": number, "running": len(running), "loop_errors": self.loop_errors[:50]})

    def _record_loop_error(self, loop, context: dict) -> None:
        error = context.get("exception")
        future = context.get("future")
        if isinstance(error, ConnectionError) and future is not None and not isinstance(future, asyncio.Task):
            # asyncio's own: a lost connection's error set on a drain() waiter whose task was cancelled in the same
            # turn of the loop (the streams' connection_lost), which nobody can retrieve. Not the learner's code.
            return
        detail = ""
        if error is not None:
            detail = f": {type(error).__name__}" + (f"({wire.cap(str(error), 200)})" if str(error) else "")
        self.loop_errors.append(wire.cap(f"{context.get('message', 'error')}{detail}", 400))

    def _note_time_sleep(self, frame, event: str, arg) -> None:
        if event == "c_call" and arg is real_time_sleep and threading.get_ident() == self.main_thread:
            self.sleep_calls.append(self._place(frame.f_code.co_filename, frame.f_lineno))

    def _stop_time_sleep(self, frame, event: str, arg) -> None:
        # The judge is told where, at once: the learner's code may well catch BlockingSleep.
        if event == "c_call" and arg is real_time_sleep:
            self.send({"op": "time_sleep", "where": self._place(frame.f_code.co_filename, frame.f_lineno)})
            raise BlockingSleep("time.sleep would block the event loop")

    def note_unawaited(self, message: str) -> None:
        self.unawaited.append(wire.cap(message, 300))


_writer_init = asyncio.StreamWriter.__init__
_wait_closed = asyncio.StreamWriter.wait_closed
_held: list[asyncio.StreamWriter] = []
_waited: list[list] = []


def _held_init(writer: asyncio.StreamWriter, *args: Any, **kwargs: Any) -> None:
    _writer_init(writer, *args, **kwargs)
    _held.append(writer)


async def _noted_wait_closed(writer: asyncio.StreamWriter) -> None:
    await _wait_closed(writer)
    _waited.append(list(writer.get_extra_info("sockname") or ())[:2])


def _watch_streams(on: bool) -> list:
    """Probe "watch_streams". While it is on, every stream writer made is held, so that one the learner's code
    never closed stays open (from 3.12 on, asyncio closes a writer nobody holds, which would hide the mistake
    from the peer), and the local address of every connection whose `await writer.wait_closed()` ran to its end
    is noted. Turned off, it aborts the writers still open and reports the addresses."""
    asyncio.StreamWriter.__init__ = _held_init if on else _writer_init
    asyncio.StreamWriter.wait_closed = _noted_wait_closed if on else _wait_closed
    if not on:
        for writer in _held:
            if not writer.transport.is_closing():
                writer.transport.abort()
    seen = [] if on else _waited[:200]
    _held.clear()
    _waited.clear()
    return seen


def _children() -> list:
    """This process's child processes and the state of each, `[pid, state]` ("Z": exited, not yet reaped), as
    /proc lists them now; a child reaped is in no list."""
    found = []
    try:
        threads = os.listdir("/proc/self/task")
    except OSError:
        return found
    for thread in threads:
        try:
            with open(f"/proc/self/task/{thread}/children") as listing:
                pids = [int(pid) for pid in listing.read().split()]
        except (OSError, ValueError):
            continue
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    state = stat.read().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                state = "?"
            found.append([pid, state])
    return found[:200]


def _showwarning(message, category, filename, lineno, file=None, line=None) -> None:
    if _agent is not None and issubclass(category, RuntimeWarning) and "never awaited" in str(message):
        _agent.note_unawaited(str(message))
    elif _agent is not None and issubclass(category, ResourceWarning) and "unclosed event loop" in str(message):
        _agent.unclosed_loops += 1


def _unraisable(unraisable) -> None:
    if _agent is not None and isinstance(unraisable.exc_value, RuntimeWarning):
        _agent.note_unawaited(str(unraisable.exc_value))


def main(argv: list[str]) -> int:
    global _agent
    descriptor, side_socket = argv
    os.environ[SIDE_SOCKET] = side_socket
    _agent = Agent(socket.socket(fileno=int(descriptor)))
    try:
        _agent.serve()
    except (ConnectionError, wire.WireError):
        traceback.print_exc()
        return 3
    return 0


def _confine(hidden: list[str]) -> None:
    """Everything the sandbox must be before the learner's module loads."""
    from . import confine

    os.environ[confine.HIDDEN] = os.pathsep.join(hidden)  # apply() reads its settings from the environment
    confine.apply()
    # A forkserver (a process pool's start method; the default from Python 3.14) imports this module once, so the
    # workers it forks need not each import it (and asyncio) to unpickle a stand-in: 0.1-0.4 s per worker.
    multiprocessing.set_forkserver_preload(["grader.agent"])
    warnings.showwarning = _showwarning
    warnings.simplefilter("always", RuntimeWarning)
    warnings.filterwarnings("always", "unclosed event loop", ResourceWarning)
    sys.unraisablehook = _unraisable
