"""The learner's code, seen from the judge: a sandbox process (grader/agent.py) that imports the learner's module
and runs its functions on its own event loop, and the remote calls through which a check calls them.

The judge never imports, unpickles or calls learner code. A check calls `kata.fetch_all(fake, keys)` as before:
the arguments cross as data, and the fake crosses as a reference. In the sandbox it is a stand-in whose call is
a request to the judge, which runs the fake's body on the check's own loop and clock, sees each call start and
end, and sees the stand-in's cancellation arrive. What the learner's function returns or raises comes back as
data (grader/wire.py), and an object the judge lent comes back as that very object.

Messages from the sandbox are read by a thread of the judge's and handed, in the order they came, to the event
loop of the check under way: everything the verdict rests on happens in that loop's thread.
"""

import asyncio
import atexit
import contextlib
import contextvars
import itertools
import os
import signal
import socket
import struct
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import confine, mounts, sandboxes, wire

from .timing import real_perf_counter

# How long the sandbox may take to start and import the learner's module.
IMPORT_LIMIT = float(os.environ.get("KATA_TIME_SCALE", "1")) * 5.0
PRINTED_CAP = 4000  # characters of what the learner's code printed, kept per check
# What the judge sends by itself, not because the check acted: these never release the sandbox's tick clock.
ANSWERS = ("done", "ack")
# Turns of the check's loop after an item reached an iterating check, if no other message went meanwhile, that the
# sandbox's tick clock goes on: a check that is not asking for more by then is waiting for something else. Turns,
# not seconds: a judge descheduled midway on a loaded machine still asks first.
RELEASE_AFTER = 20


class Missing(AssertionError):
    """The learner's module (or object) has no function the check calls: every check fails, saying so."""

    def __init__(self, name: str, shown_as: str, detail: str) -> None:
        super().__init__(
            f"Saw: {detail} ({shown_as}).\n"
            "Expected: the functions and names the stub defines, as its docstring gives them.\n"
            f"Likely mistake: a function renamed or deleted; `python -m grader reset {name}` brings the stub back "
            "(your version is kept beside it)."
        )


class SandboxEnded(BaseException):
    """The sandbox process ended (or had to be stopped) while a check needed it. Not an Exception, so hypothesis
    stops at once instead of replaying the example."""


@dataclass
class Invocation:
    """One call the learner's code made of an object the judge lent it."""

    channel: "Channel"
    number: int
    pid: int
    blocking: bool = False
    task: asyncio.Task | None = None
    started: bool = False
    cancel_requested: bool = False  # the sandbox cancelled the call before the answer went
    cancel_seen: bool = False  # the sandbox's cancel reached the body before it ended
    cancels: int = 0  # cancels the sandbox sent for it before it ended: one per CancelledError its caller received
    # Called when the sandbox's cancel crosses the answer (the call ended cancelled there, as asyncio ends a task
    # cancelled while its result is on the way): the fake records what the learner's code saw.
    on_late_cancel: Callable[[], None] | None = None
    answer: dict = field(default_factory=dict)  # more for the stand-in, sent with the outcome (e.g. "linger")
    # Called when the stand-in, told to hand the outcome over some ticks after the call ("after_ticks"), has.
    on_handed_over: Callable[[], None] | None = None


class Channel:
    """One connection from the sandbox (the main one, or a side one from another thread or process): a thread
    reads it and hands each message to the sandbox's dispatcher; sending is safe from any thread."""

    def __init__(self, sandbox: "Sandbox", sock: socket.socket, pid: int, name: str) -> None:
        self.sandbox = sandbox
        self.sock = sock
        self.pid = pid
        self.name = name
        self.lock = threading.Lock()
        self.closed = False
        self.sent = 0
        self.thread = threading.Thread(target=self._read, name=f"judge:{name}", daemon=True)
        self.thread.start()

    def send(self, message: dict) -> None:
        with self.lock:
            if self.closed:
                return
            if self is self.sandbox.main and self.sandbox.holds and message.get("op") not in ANSWERS:
                # The check has acted (it asks for more, or for something else): the sandbox's tick clock may turn.
                message = {**message, "release": self.sandbox.holds}
                self.sandbox.holds = 0
            line = wire.dumps(message)
            try:
                self.sock.sendall(line)
                self.sent += 1
            except OSError:
                self.closed = True

    def _read(self) -> None:
        reader = wire.LineReader()
        problem = None
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            try:
                messages = reader.feed(data)
            except wire.WireError as error:
                problem = f"it sent a malformed message ({error})"
                break
            for message in messages:
                self.sandbox.deliver(self, message)
        self.closed = True
        self.sandbox.deliver(self, {"op": "closed", "problem": problem})

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class Sandbox:
    """One sandbox process for one kata's module. Made, it boots; told which module (`load`, or at once when made
    with one) it imports it (`wait_hello`). The judge then opens a check on the loop the check runs on (`begin`),
    calls, and closes the check (`end`). Made without a module, it boots ahead of need and waits."""

    def __init__(self, module_path: Path | None = None, shown_as: str = "") -> None:
        self.module_path: Path | None = None
        self.shown_as = ""
        self.scratch = Path(tempfile.mkdtemp(prefix="kata-sandbox-"))
        self.side_path = str(self.scratch / "judge.sock")
        self.lent = wire.Lent()
        self.remote_objects: dict[int, RemoteObject] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.calls: dict[int, RemoteCall] = {}
        self.invocations: dict[tuple[int, int], Invocation] = {}
        self.answered: dict[tuple[int, int], Invocation] = {}  # this check's answered calls, for late cancels
        self.waiting: dict[int, asyncio.Future] = {}
        self.listeners: list[Callable[[dict], None]] = []
        self._numbers = itertools.count(1)
        self.ended: str | None = None  # why the process is gone, once it is
        self.hello: dict | None = None
        self._hello_arrived = threading.Event()
        self._check_over = threading.Event()
        self._check_report: dict = {}
        self.unawaited: list[str] = []  # "coroutine ... was never awaited", from every sandbox check since taken
        self.holds = 0  # ends of calls the sandbox's tick clock waits on the judge to have acted on
        self.printed = bytearray()
        self.printed_dropped = 0
        self.side_channels: list[Channel] = []
        self.codec = wire.Codec("judge", self._export, self._imported, self._origin, lend_errors=True)
        self.confinement = confine.Confinement(self.scratch)
        self._spawn(module_path.parent if module_path is not None else None)
        if module_path is not None:
            self.load(module_path, shown_as)

    def reaches(self, module_path: Path) -> bool:
        """Can this sandbox, booted before it knew what to grade, see `module_path`? Not as a user of its own when
        the module lies in a folder only root may enter (pytest's tmp_path): its view was made without it."""
        return self.confinement.uid is None or not mounts.closed_folders([module_path.parent])

    def load(self, module_path: Path, shown_as: str) -> None:
        """Have the sandbox import the learner's module (once), hiding the suites and solutions from it."""
        self.module_path, self.shown_as = module_path, shown_as
        hidden = confine.hidden_paths(module_path.parent)
        self.main.send({"op": "load", "path": str(module_path), "shown": shown_as, "hidden": hidden})

    # the process

    def _spawn(self, graded: Path | None) -> None:
        """Start the sandbox process; the folder it will grade, when known already, is left out of what it hides."""
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.side_path)
        listener.listen(64)
        self.listener = listener
        judge_end, sandbox_end = socket.socketpair()
        output_read, output_write = os.pipe()
        self.confinement.prepare(self.side_path)
        self.process = sandboxes.spawn(
            channel=sandbox_end.fileno(),
            output=output_write,
            side_socket=self.side_path,
            cwd=self.confinement.workdir,
            env=self.confinement.environment(),
            view=self.confinement.view(graded),
        )
        sandbox_end.close()
        os.close(output_write)
        self.pid = self.process.pid
        self.main = Channel(self, judge_end, self.pid, "main")
        threading.Thread(target=self._collect_output, args=(output_read,), name="judge:output", daemon=True).start()
        threading.Thread(target=self._accept, name="judge:side", daemon=True).start()

    def _collect_output(self, descriptor: int) -> None:
        with os.fdopen(descriptor, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                room = PRINTED_CAP - len(self.printed)
                self.printed += chunk[: max(0, room)]
                self.printed_dropped += max(0, len(chunk) - max(0, room))

    def take_printed(self) -> str:
        text = self.printed.decode("utf-8", "replace")
        dropped = self.printed_dropped
        self.printed.clear()
        self.printed_dropped = 0
        return text + (f"\n… and {dropped} more bytes" if dropped else "")

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            credentials = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            pid = struct.unpack("3i", credentials)[0]
            self.side_channels.append(Channel(self, sock, pid, f"side-{pid}"))

    def wait_hello(self, limit: float = IMPORT_LIMIT) -> dict:
        """The sandbox's word on importing the learner's module: {"pid"} or {"error", "where"}; a timeout or an
        early exit become an "error" too."""
        if not self._hello_arrived.wait(limit):
            self.kill()
            return {"timeout": limit}
        return self.hello or {}  # none: the process ended first

    def kill(self, why: str | None = None) -> None:
        if self.ended is None:
            self.ended = why or "stopped by the judge"
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self.confinement.kill_everything()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.main.close()
        for channel in self.side_channels:
            channel.close()
        with contextlib.suppress(OSError):
            self.listener.close()

    def close(self) -> None:
        if self.ended is None:
            self.main.send({"op": "exit"})
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.5)
        self.kill("closed")
        self.confinement.cleanup()

    def exit_reason(self) -> str:
        code = self.process.poll()
        if code is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(timeout=1)
        if code is None:
            return "it stopped answering"
        if code < 0:
            return f"it was killed by {signal.Signals(-code).name}"
        return f"it exited with code {code}"

    # objects crossing

    def _export(self, value: Any) -> dict:
        # How the sandbox's stand-in is called: a fake says so itself; else an async function's stand-in is async.
        calling = getattr(value, "calling", None)
        if calling not in ("async", "sync"):
            method = vars(type(value)).get("__call__")
            if asyncio.iscoroutinefunction(value) or asyncio.iscoroutinefunction(method):
                calling = "async"
            else:
                calling = "sync" if callable(value) else "object"
        name = getattr(value, "__name__", None) or getattr(value, "name", None) or type(value).__name__
        reference = {
            "owner": "judge",
            "id": self.lent.number(value),
            "kind": calling,
            "name": str(name),
            "repr": repr(value),
        }
        if calling == "object" and getattr(value, "lent_methods", None):
            # An object whose methods the learner's code calls (a connection's close, an iterator's __anext__): each
            # crosses as a function, and its stand-in has them as methods.
            reference["methods"] = {name: self._export(getattr(value, name)) for name in value.lent_methods}
        return reference

    def _imported(self, ref: dict) -> Any:
        number = ref.get("id")
        if ref.get("owner") == "judge":
            return self.lent.get(number)
        if ref.get("owner") != "sandbox" or not isinstance(number, int):
            raise wire.WireError("a malformed reference")
        if number not in self.remote_objects:
            self.remote_objects[number] = RemoteObject(self, ref)
        return self.remote_objects[number]

    @staticmethod
    def _origin(value: Any) -> dict | None:
        return value.ref if isinstance(value, RemoteObject) else None

    # checks

    def begin(self) -> None:
        """Open a check on the running loop: from now on the sandbox's messages are handled there."""
        self.attach(asyncio.get_running_loop(), simulated=False)

    def attach(self, loop: asyncio.AbstractEventLoop, simulated: bool) -> None:
        if self.loop is loop:
            return
        if self.loop is not None:
            raise RuntimeError("a check already runs in this sandbox")
        self.loop = loop
        self.holds = 0
        self._check_over.clear()
        self.main.send({"op": "check", "simulated": simulated})

    def end(self, limit: float = 2.0) -> dict:
        """Close the check: the sandbox cancels whatever the learner's code left running and says what that was.
        Blocking, from any thread; a sandbox that does not answer within `limit` is killed."""
        if self.loop is None:
            return {}
        self.loop = None
        for invocation in list(self.invocations.values()):
            if invocation.task is not None and not invocation.task.done():
                with contextlib.suppress(RuntimeError):  # the check's loop may be closed already
                    invocation.task.cancel()
        self.invocations.clear()
        self.answered.clear()
        self.main.send({"op": "end"})
        if self.ended is None and not self._check_over.wait(limit):
            self.kill("it did not end the check")
        for call in self.calls.values():
            call.abandon()
        self.calls.clear()
        report = self._check_report
        self.unawaited += [text for text in report.get("unawaited", []) if isinstance(text, str)]
        return report

    def deliver(self, channel: Channel, message: dict) -> None:
        """From a reader thread: hand the message to the check's loop, in order."""
        op = message.get("op")
        if op == "hello":
            self.hello = message
            self._hello_arrived.set()
            return
        if op == "check_over":
            self._check_report = message
            self._check_over.set()
            return
        if op == "closed" and channel is self.main:
            if self.ended is None:
                self.ended = message.get("problem") or self.exit_reason()
            self._hello_arrived.set()
            self._check_over.set()
        loop = self.loop
        if loop is None or loop.is_closed():  # a thread left running by an earlier check: nobody serves it now
            self._unserved(channel, message)
            return
        try:
            loop.call_soon_threadsafe(self._dispatch, channel, message, loop)
        except RuntimeError:  # the loop closed meanwhile
            pass

    def _dispatch(self, channel: Channel, message: dict, loop: asyncio.AbstractEventLoop) -> None:
        if self.loop is not loop:  # its check ended meanwhile: what was started for it must not start now
            self._unserved(channel, message)
            return
        try:
            self._handle(channel, message)
        except wire.WireError as error:
            self.kill(f"it sent a malformed message ({error})")
            self._fail_everything()

    @staticmethod
    def _unserved(channel: Channel, message: dict) -> None:
        """A message that came when no check could serve it: a call of the judge's objects ends cancelled."""
        if message.get("op") == "invoke":
            channel.send({"op": "done", "id": message.get("id"), "outcome": "cancelled"})

    def _handle(self, channel: Channel, message: dict) -> None:
        op = message["op"]
        if op == "ended":
            call = self.calls.pop(message.get("id"), None)
            if call is None:
                raise wire.WireError("the end of a call never made")
            if message.get("hold") is True:  # released with the next message, or in a moment if none goes
                with self.main.lock:
                    self.holds += 1
                self.loop.call_soon(self._release, RELEASE_AFTER)
            call.finish(message)
        elif op == "invoke":
            self._invoke(channel, message)
        elif op == "cancel":
            key = (id(channel), message.get("id"))
            late = self.answered.pop(key, None)
            if late is not None and late.on_late_cancel is not None:
                late.on_late_cancel()
            invocation = self.invocations.get(key)
            if invocation is not None and invocation.task is not None:
                invocation.cancel_requested = True
                invocation.cancels += 1
                if invocation.started:
                    self._cancel_body(invocation)
                else:  # its body has not begun: cancelled before it does, its own cleanup would never run
                    self.loop.call_soon(self._cancel_body, invocation)
        elif op == "handed_over":
            done = self.answered.pop((id(channel), message.get("id")), None)
            if done is not None and done.on_handed_over is not None:
                done.on_handed_over()
        elif op in ("pong", "probed"):
            future = self.waiting.pop(message.get("id"), None)
            if future is not None and not future.done():
                future.set_result(message)
        elif op == "closed":
            if channel is self.main:
                self._fail_everything()
            else:
                for key, invocation in list(self.invocations.items()):
                    if invocation.channel is channel and invocation.task is not None:
                        invocation.task.cancel()
                        del self.invocations[key]
        for listener in list(self.listeners):
            listener(message)

    def _release(self, turns: int) -> None:
        if not self.holds or self.loop is None:
            return
        if turns:
            self.loop.call_soon(self._release, turns - 1)
        else:
            self.main.send({"op": "release"})

    @staticmethod
    def _acknowledge(invocation: Invocation) -> None:
        if not invocation.task.done():
            invocation.channel.send({"op": "ack", "id": invocation.number})

    @staticmethod
    def _cancel_body(invocation: Invocation) -> None:
        if not invocation.task.done():  # a body that ended in its first step never saw the cancellation
            invocation.cancel_seen = True
            invocation.task.cancel()

    def _fail_everything(self) -> None:
        for call in list(self.calls.values()):
            call.abandon()
        self.calls.clear()
        for future in self.waiting.values():
            if not future.done():
                future.set_exception(SandboxEnded(self.ended or "the sandbox ended"))
                future.exception()  # a ping nobody waits for any more must not be logged as never retrieved
        self.waiting.clear()

    # the learner's code calling what the judge lent it

    def _invoke(self, channel: Channel, message: dict) -> None:
        number = message.get("id")
        target = self._imported({"owner": "judge", "id": message.get("ref")})
        args = self.codec.decode(message.get("args", []))
        kwargs = self.codec.decode(message.get("kwargs", {"$dict": []}))
        if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
            raise wire.WireError("arguments that are not a list and a dict of names")
        invocation = Invocation(channel, number, channel.pid, bool(message.get("blocking")))
        self.invocations[(id(channel), number)] = invocation
        with calling_context(invocation):
            try:
                result = target(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - a fake may raise a BaseException on purpose
                self._reply(invocation, "raised", error)
                return
        if not hasattr(result, "__await__"):
            self._reply(invocation, "returned", result)
            return
        invocation.task = self.loop.create_task(self._run_invocation(invocation, result))
        if channel is self.main and not invocation.blocking:
            # After the body's first step: a body that has not answered by then tells the stand-in so, and the
            # sandbox's tick clock (agent.TickClock, on the main loop alone) does not wait for it.
            self.loop.call_soon(self._acknowledge, invocation)

    async def _run_invocation(self, invocation: Invocation, awaitable) -> None:
        invocation.started = True
        _current.set(invocation)  # in this task's own copy of the context: nothing to reset
        try:
            value = await awaitable
        except asyncio.CancelledError:
            self._reply(invocation, "cancelled")
            raise
        except BaseException as error:  # noqa: BLE001 - a fake may raise a BaseException on purpose
            self._reply(invocation, "raised", error)
        else:
            self._reply(invocation, "returned", value)

    def _reply(self, invocation: Invocation, outcome: str, value: Any = None) -> None:
        key = (id(invocation.channel), invocation.number)
        self.invocations.pop(key, None)
        if invocation.cancel_requested and not invocation.cancel_seen:
            # Cancelled there before this answer could arrive, and the body never saw it: the stand-in ends
            # cancelled, and the fake records what the learner's code saw.
            if invocation.on_late_cancel is not None:
                invocation.on_late_cancel()
        elif not invocation.cancel_seen:
            self.answered[key] = invocation
        message = {**invocation.answer, "op": "done", "id": invocation.number, "outcome": outcome}
        message["cancel_seen"] = invocation.cancel_seen
        if outcome == "returned":
            message["value"] = self.codec.encode(value)
        elif outcome == "raised":
            message["error"] = self.codec.encode(value)
        invocation.channel.send(message)

    # asking the sandbox

    def ask(self, message: dict) -> asyncio.Future:
        """Send a probe or a ping; the future gets the sandbox's answer (SandboxEnded if it is gone)."""
        self.begin()
        number = next(self._numbers)
        future = asyncio.get_running_loop().create_future()
        if self.ended is not None:
            future.set_exception(SandboxEnded(self.ended))
            return future
        self.waiting[number] = future
        self.main.send({**message, "id": number})
        return future

    def outcome_value(self, message: dict) -> Any:
        """The value a call's end message carries, or the exception it raised, rebuilt here."""
        outcome = message.get("outcome")
        if outcome == "returned":
            return self.codec.decode(message.get("value"))
        if outcome == "raised":
            raise self.codec.decode_raised(message.get("error"))
        if outcome == "cancelled":
            raise asyncio.CancelledError()
        if outcome == "missing":
            raise Missing(self.module_path.stem, self.shown_as, wire.cap(str(message.get("detail", "")), 300))
        raise wire.WireError(f"an outcome that cannot be read: {wire.cap(str(message.get('detail', outcome)), 300)}")

    async def turns(self, count: int) -> None:
        """Let the sandbox's event loop take at least `count` turns: one ping after another, each answered in a turn
        of that loop once everything sent before it has been read there; the answer arrives here after everything
        the sandbox sent before it. Orders judged in these turns are exact on both sides of the boundary."""
        for _ in range(count):
            await self.ask({"op": "ping"})

    async def probe(self, what: str, **options: Any) -> dict:
        return await self.ask({"op": "probe", "what": what, **options})


_current: contextvars.ContextVar[Invocation | None] = contextvars.ContextVar("invocation", default=None)


@contextlib.contextmanager
def calling_context(invocation: Invocation):
    token = _current.set(invocation)
    try:
        yield
    finally:
        _current.reset(token)


def current_invocation() -> Invocation | None:
    """The call of the learner's code being served, inside a fake's body: which process made it, and whether it
    held the sandbox's event loop while it waited (a plain function called in the loop's own thread)."""
    return _current.get()


class RemoteCall:
    """One call of a learner's function in the sandbox. Awaitable like the coroutine it stands for; `start()`
    sends it, `ended` is a future for the sandbox's word on how it ended. `on_end` callbacks run in the very
    step the judge learns of the end, before any other of its tasks runs."""

    def __init__(
        self, sandbox: Sandbox, target: Any, args: tuple, kwargs: dict, how: str = "task", once_idle: bool = False
    ) -> None:
        self.sandbox = sandbox
        self.target = target
        self.args = args
        self.kwargs = kwargs
        self.how = how
        self.once_idle = once_idle
        self.number: int | None = None
        self.ended: asyncio.Future | None = None
        self.on_end: list[Callable[[], None]] = []
        self.started_at = 0.0
        self.ended_at: float | None = None

    @property
    def name(self) -> str:
        return self.target if isinstance(self.target, str) else self.target["method"]

    def start(self) -> "RemoteCall":
        if self.number is not None:
            return self
        sandbox = self.sandbox
        loop = asyncio.get_running_loop()
        sandbox.begin()
        self.number = next(sandbox._numbers)
        self.ended = loop.create_future()
        self.started_at = real_perf_counter()
        if sandbox.ended is not None:
            self.abandon()
            return self
        sandbox.calls[self.number] = self
        sandbox.main.send(
            {
                "op": "call",
                "id": self.number,
                "target": self.target,
                "how": self.how,
                "once_idle": self.once_idle,
                "args": sandbox.codec.encode(list(self.args)),
                "kwargs": sandbox.codec.encode(dict(self.kwargs)),
            }
        )
        return self

    def cancel(self) -> None:
        if self.number is not None and not self.ended.done():
            self.sandbox.main.send({"op": "cancel", "id": self.number})

    def finish(self, message: dict) -> None:
        self.ended_at = real_perf_counter()
        for callback in self.on_end:
            callback()
        if not self.ended.done():
            self.ended.set_result(message)

    def abandon(self) -> None:
        """The sandbox is gone: the call never ends."""
        if self.ended is not None and not self.ended.done():
            self.ended.set_exception(SandboxEnded(self.sandbox.ended or "the sandbox ended"))
            self.ended.exception()  # a call nobody waits for any more must not be logged as never retrieved

    def __await__(self):
        self.start()
        message = yield from self.ended.__await__()
        return self.sandbox.outcome_value(message)

    def close(self) -> None:
        """Like a coroutine's close(): a call never started is simply dropped."""

    async def _object(self) -> "RemoteObject":
        """The call's result as an object kept in the sandbox (an async iterator, an async context manager)."""
        if self.number is None:
            self.how = "sync"
        result = await self
        if not isinstance(result, RemoteObject):
            raise TypeError(f"{self.name}(...) returned {wire.short_repr(result)}, not an object to use remotely")
        return result

    def __aiter__(self) -> "RemoteIterator":
        """`async for item in kata.merge(a, b):` the call's result, an async iterator, iterated remotely."""
        return RemoteIterator(self)

    async def __aenter__(self) -> Any:
        """`async with pool.connection() as conn:` the call's result, an async context manager, entered remotely."""
        self._manager = await self._object()
        return await self._manager.__aenter__()

    async def __aexit__(self, kind, error, traceback) -> bool:
        return await self._manager.__aexit__(kind, error, traceback)


class RemoteIterator:
    def __init__(self, call: RemoteCall) -> None:
        self.call = call
        self.iterator: RemoteObject | None = None

    def __aiter__(self) -> "RemoteIterator":
        return self

    async def __anext__(self) -> Any:
        if self.iterator is None:
            self.iterator = await self.call._object()
        return await self.iterator.__anext__()


class RemoteFunction:
    """A function of the learner's module (or a method of a learner's object), called from a check."""

    def __init__(self, sandbox: Sandbox, target: Any) -> None:
        self.sandbox = sandbox
        self.target = target

    def __call__(self, *args: Any, **kwargs: Any) -> RemoteCall:
        """A call in a task of the sandbox's loop (what `await fn(...)` is for an async function)."""
        return RemoteCall(self.sandbox, self.target, args, kwargs)

    def in_loop_thread(self, *args: Any, **kwargs: Any) -> RemoteCall:
        """A plain call, made in the sandbox's event loop's thread while its loop runs."""
        return RemoteCall(self.sandbox, self.target, args, kwargs, how="sync")

    def in_thread(self, *args: Any, **kwargs: Any) -> RemoteCall:
        """A plain call, made in a new thread of the sandbox's that has no event loop. It starts even while the
        loop's thread is held by a plain function of the judge's (a callback called before `start` returns)."""
        return RemoteCall(self.sandbox, self.target, args, kwargs, how="thread")

    def in_thread_once_idle(self, *args: Any, **kwargs: Any) -> RemoteCall:
        """`in_thread`, made once the sandbox's event loop waits for events with nothing ready: only what the
        function does to wake the loop (`loop.call_soon_threadsafe`) makes it run again before the judge sends
        anything more. A loop that never waits (a busy one) gets the call after 2 s anyway."""
        return RemoteCall(self.sandbox, self.target, args, kwargs, how="thread", once_idle=True)


class RemoteObject:
    """An object the learner's code made (a server, an instance of its class, an async generator), kept in the
    sandbox: the judge sees its type's name, its repr and a description the sandbox gave (data it can only use to
    fail a check), and calls its methods remotely: `obj.spawn(coro)` and `obj.method("__len__")` are
    RemoteFunctions. `async with obj:` and `async for item in obj:` work as they read."""

    def __init__(self, sandbox: Sandbox, ref: dict) -> None:
        self.sandbox = sandbox
        self.ref = {"owner": "sandbox", "id": ref["id"]}
        self.type_name = wire.cap(str(ref.get("type", "object")), 100)
        self.description = ref.get("description") if isinstance(ref.get("description"), dict) else {}
        self._repr = wire.cap(str(ref.get("repr", "<object>")), 300)

    def method(self, name: str) -> RemoteFunction:
        return RemoteFunction(self.sandbox, {"ref": self.ref["id"], "method": name})

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.method(name)

    async def __aenter__(self) -> Any:
        return await self.method("__aenter__")()

    async def __aexit__(self, kind, error, traceback) -> bool:
        # The sandbox makes the type and traceback from the exception: a type does not cross.
        return bool(await self.method("__aexit__")(error))

    def __aiter__(self) -> "RemoteObject":
        return self

    async def __anext__(self) -> Any:
        return await self.method("__anext__")()

    def __repr__(self) -> str:
        return self._repr


class RemoteModule:
    """The learner's module, as a check sees it: `kata.NAME(...)` calls the function NAME in the sandbox."""

    def __init__(self, context: Callable[[], Sandbox]) -> None:
        self._context = context

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("__"):
            raise AttributeError(name)
        return RemoteFunction(self._context(), name)


_booted_ahead: list[Sandbox] = []


def boot_ahead() -> None:
    """Start a sandbox before pytest is even imported: for the kata the environment names when the suite's process
    knows what to grade at once, else one that waits to be told (watch mode, while the learner edits). The plugin
    takes it over (`booted_ahead`)."""
    if not _booted_ahead:
        atexit.register(booted_ahead, None, "")  # one never taken over is closed, its scratch folder removed
    if not os.environ.get("KATA_NAME"):
        _booted_ahead.append(Sandbox())
        return
    from . import learner  # reads the environment: only once it names what to grade

    path = learner.module_path(os.environ["KATA_NAME"])
    _booted_ahead.append(Sandbox(path, learner.shown(path)))


def booted_ahead(path: Path | None, shown_as: str) -> Sandbox | None:
    """The sandbox booted ahead, loading `path` if it waits to be told; once."""
    while _booted_ahead:
        sandbox = _booted_ahead.pop()
        if path is not None and sandbox.module_path is None and sandbox.ended is None and sandbox.reaches(path):
            sandbox.load(path, shown_as)
        if sandbox.module_path == path:
            return sandbox
        sandbox.close()
    return None


_provider: list[Callable[[], Sandbox] | None] = [None]


def current_sandbox() -> Sandbox | None:
    """The sandbox for the check under way: the plugin provides it, a new one if the last has ended."""
    provider = _provider[0]
    return provider() if provider is not None else None


def provide_sandbox(provider: Callable[[], Sandbox] | None) -> None:
    _provider[0] = provider
