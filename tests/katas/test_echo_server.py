"""Hidden suite: echo_server.start_echo_server(host, port)."""

import asyncio
import contextlib
import socket
from contextlib import asynccontextmanager

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import KataCall, LoopErrors, LoopWatch, Stopwatch, expect, run, seconds, settle, short, units
from harness.checks import leaked_tasks
from harness.network import HOLD_LIMIT, HOST, PATIENCE, LineClient, LoopHold, StreamWatch, free_port, stopped
from harness.sandbox import RemoteObject, SandboxEnded, current_sandbox
from harness.timing import real_sleep

# A correct start_echo_server returns within milliseconds; one that awaits serve_forever() never does.
START_LIMIT = units(2)

# Bytes of a line without its newline: any byte values, not only UTF-8 text.
line_bytes = st.binary(max_size=12).map(lambda data: data.replace(b"\n", b""))


@st.composite
def conversations(draw) -> list[bytes]:
    """Lines, maybe a last partial line, all cut into pieces anywhere (inside a line, between lines)."""
    lines = draw(st.lists(line_bytes, max_size=5))
    payload = b"".join(line + b"\n" for line in lines) + draw(line_bytes)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(payload)), max_size=4))) | {0, len(payload)})
    return [payload[start:end] for start, end in zip(cuts, cuts[1:], strict=False)]


def difference(got: bytes, sent: bytes) -> str:
    """What came back, told by where it differs from what was sent."""
    if got == sent:
        return short(got)
    same = next(
        (index for index, (a, b) in enumerate(zip(got, sent, strict=False)) if a != b), min(len(got), len(sent))
    )
    if same == len(got):
        return f"only its first {len(got)} bytes, without {short(sent[same:])}"
    return f"{short(got)}, which differs from byte {same} on: {short(got[same:])} instead of {short(sent[same:])}"


def addresses(server: RemoteObject) -> list:
    """The addresses the learner's server listens on, as the sandbox described it."""
    return [
        tuple(entry[1])
        for entry in server.description.get("sockets") or ()
        if isinstance(entry, list) and len(entry) == 2
    ]


def listening_port(server: RemoteObject) -> int | None:
    """The port the server listens on at 127.0.0.1, if it does (the sandbox's description: it can only fail a
    check; the clients that then connect to that port are the judge's own evidence)."""
    for entry in server.description.get("sockets") or ():
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == socket.AF_INET and isinstance(entry[1], list):
            host, port = (entry[1] + [None, None])[:2]
            if host == HOST and isinstance(port, int):
                return port
    return None


def is_server(value) -> bool:
    return isinstance(value, RemoteObject) and value.description.get("asyncio.Server") is True


async def close_server(server: RemoteObject) -> None:
    """Close the learner's server in the sandbox, if the sandbox still runs."""
    with contextlib.suppress(SandboxEnded):
        await run(server.method("close").in_loop_thread())
        call = KataCall(server.method("wait_closed")())
        done, _ = await asyncio.wait([call.task], timeout=units(5))
        if not done:
            call.cancel()
        await call.outcome()


class Served(LoopErrors):
    """`async with Served() as served:` the learner's server as a check sees it: its port, and what the sandbox's
    event loop reported meanwhile, such as an exception that escaped a handler. Inside the block `await
    served.crashed()` asks for the latest; after it, `errors` holds what was reported until then: what the cleanup
    causes is not the learner's doing."""

    port = 0
    over = False

    @property
    def errors(self) -> list[str]:
        return self.messages

    async def __aexit__(self, *exc_info) -> None:
        await self.update()  # no settling, no garbage collected: only what the server's handlers did
        self.over = True

    async def crashed(self) -> str:
        """'; the server's handler raised ...', to add to what a check saw."""
        if not self.over:
            await self.update()
        if not self.errors:
            return ""
        error = self.errors[0]
        if error.startswith(HANDLER_RAISED):
            return f"; the server's handler raised {error.removeprefix(HANDLER_RAISED)}"
        return f"; the event loop reported {error}"


# How asyncio reports an exception that escaped a handler of asyncio.start_server's.
HANDLER_RAISED = "Unhandled exception in client_connected_cb: "
# Set once start_echo_server has not returned (LoopHold.ever, once a handler has held the event loop for good):
# every later check fails at once, as it would after another wait for the same mistake.
never_returned = False
NO_ECHO = (
    "nothing came back while the client was connected: echo each line as soon as it has arrived (readline(), "
    "then write it back), not when the client closes"
)
SERVES_FOREVER = (
    "it awaits server.serve_forever() (or waits in `async with server:`), which runs until the server "
    "is closed: return the server asyncio.start_server gives you"
)
HELD_EXPECTED = "a handler that awaits more data, and ends once its client has closed its side"
HELD_MISTAKE = (
    "a loop that never stops at end of file: once the client has closed its side, readline() (or "
    "read()) returns b'' at once, every time, without waiting. Stop (break) when it returns b''"
)


@asynccontextmanager
async def serving(kata, port: int = 0):
    """`async with serving(kata) as served:` the learner's server, started on 127.0.0.1 (`served.port`), with
    what its handlers raise recorded (`served.errors`); closed at the end. A handler that holds the event loop
    for good is stopped, and the check fails saying so."""
    if never_returned:
        raise stopped(
            saw=f"in an earlier check, start_echo_server had not returned after {seconds(START_LIMIT)}: this check "
            "did not call it again",
            expected="it returns the server as soon as it is listening",
            mistake=SERVES_FOREVER,
        )
    if LoopHold.ever:
        raise stopped(
            saw=f"in an earlier check, the server's handler held the event loop for {seconds(HOLD_LIMIT)} without "
            "pausing, and was stopped: this check did not start the server again",
            expected=HELD_EXPECTED,
            mistake=HELD_MISTAKE,
        )
    held = LoopHold(
        saw=f"the server's handler held the event loop for {seconds(HOLD_LIMIT)} without pausing (after a "
        "client closed its side), and was stopped",
        expected=HELD_EXPECTED,
        mistake=HELD_MISTAKE,
    )
    # The sandbox holds the handlers' writers: one a handler never closed stays open (asyncio would close it
    # once nobody holds it, from 3.12 on), as the client must be able to see; released (aborted) before the
    # server is closed, whose wait_closed() waits for every connection from 3.12 on.
    async with held, started(kata, port) as served, StreamWatch():
        yield served


@asynccontextmanager
async def started(kata, port: int):
    global never_returned
    call = KataCall(kata.start_echo_server(HOST, port))
    done, _ = await asyncio.wait([call.task], timeout=START_LIMIT)
    if not done:
        never_returned = True
        call.cancel()
        await call.outcome()
        raise stopped(
            saw=f"start_echo_server had not returned after {seconds(START_LIMIT)}",
            expected="it returns the server as soon as it is listening",
            mistake=SERVES_FOREVER,
        )
    outcome = await call.outcome()
    server = outcome.value
    expect(
        outcome.returned and is_server(server),
        saw=outcome.describe(),
        expected="an asyncio.Server, as `await asyncio.start_server(...)` returns",
        mistake="the server from asyncio.start_server was not returned (no `return`, or not awaited?)"
        if outcome.returned
        else None,
    )
    try:
        bound = listening_port(server)
        expect(
            bound is not None,
            saw=f"the server listens on {short(addresses(server))}",
            expected=f"it listens on {HOST}, the host it was given",
            mistake="the host argument was not passed on to asyncio.start_server",
        )
        expect(
            server.description.get("serving") is True,
            saw="the server it returned is not serving: it accepts no connection",
            expected="a server already serving, as asyncio.start_server returns it by default",
            mistake="start_serving=False was passed and server.start_serving() never awaited",
        )
        async with Served() as served:
            served.port = bound
            yield served
    finally:
        await close_server(server)


async def connect(port: int) -> LineClient:
    try:
        return await LineClient.connect(port)
    except (OSError, TimeoutError) as error:
        expect(
            False,
            saw=f"a client could not connect to the server on port {port}: {type(error).__name__}",
            expected="the server accepts every client that connects",
        )


@asynccontextmanager
async def clients(port: int, count: int):
    """`async with clients(port, n) as group:` n clients connected to the server, all closed at the end."""
    group = []
    try:
        for _ in range(count):
            group.append(await connect(port))
        yield group
    finally:
        await asyncio.gather(*(client.close() for client in group))


def decoding_mistake(served: Served) -> str | None:
    if served.errors and "Unicode" in served.errors[0]:
        return (
            "the handler failed decoding the bytes: echo them as they came, without decoding them (they need "
            "not be UTF-8, and a piece of a line can end inside a character)"
        )
    return None


def got(data: bytes | None) -> str:
    return short(data) if data is not None else "no whole line"


@pytest.mark.category("correctness")
async def test_returns_a_serving_server(kata):
    """It returns an asyncio.Server already serving on 127.0.0.1 (port 0: a free port it chose), and it echoes."""
    async with serving(kata) as served, clients(served.port, 1) as (client,):
        await client.send(b"hello\n")
        echo = await client.read_line()
    expect(
        echo == b"hello\n",
        saw=f"a client sent b'hello\\n' and got back {got(echo)}{await served.crashed()}",
        expected="b'hello\\n' back",
        mistake=NO_ECHO if echo is None else None,
    )


@pytest.mark.category("correctness")
async def test_listens_on_the_port_given(kata):
    """Given a port, it listens on that very port."""
    wanted = free_port()
    async with serving(kata, wanted) as served:
        expect(
            served.port == wanted,
            saw=f"asked for port {wanted}, the server listens on port {served.port}",
            expected=f"it listens on port {wanted}",
            mistake="the port argument was not passed on to asyncio.start_server",
        )
        async with clients(wanted, 1):  # the sandbox said so; a client connecting there is the judge's own evidence
            pass


@pytest.mark.category("correctness")
@given(conversations())
@example([b"hello\nwor", b"ld\n\n"])
@example(["héllo wörld\n日本語 ✓\n".encode(), b"\xff\xfe not UTF-8\r\n", b"last, no newline"])
async def test_echoes_every_line(kata, pieces):
    """Lines sent in any pieces (any bytes, empty lines, a last line without newline) come back exactly."""
    payload = b"".join(pieces)
    async with serving(kata) as served, clients(served.port, 1) as (client,):
        for piece in pieces:
            await client.send(piece)
            await current_sandbox().turns(1)
        await client.end()
        echoed = await client.read_bytes(len(payload))
        echoed += await client.listen(0)
    if served.errors:
        mistake = decoding_mistake(served)
    elif echoed != payload and echoed == payload[: payload.rfind(b"\n") + 1]:
        mistake = "the last line, without b'\\n', was not sent back when the client closed its side"
    else:
        mistake = None
    expect(
        echoed == payload,
        saw=f"a client sent {short(payload)} in {len(pieces)} piece(s), closed its side, and got back "
        f"{difference(echoed, payload)}{await served.crashed()}",
        expected="exactly the bytes it sent",
        mistake=mistake,
    )


@pytest.mark.category("correctness")
async def test_answers_each_line_at_once(kata):
    """Each line is echoed as soon as it has arrived, while the client keeps its connection open."""
    async with serving(kata) as served, clients(served.port, 1) as (client,):
        for sent, count in ((b"one\n", 1), (b"two\n", 1), (b"three\nfour\n", 2)):
            await client.send(sent)
            lines = [await client.read_line() for _ in range(count)]
            echoed = b"".join(line or b"" for line in lines)
            expect(
                echoed == sent,
                saw=f"a client sent {short(sent)} and, within {seconds(PATIENCE)}, got back "
                f"{short(echoed + client.received)}{await served.crashed()}",
                expected=f"{short(sent)} back at once, with the connection still open",
                mistake="the lines are sent back only when the client closes (read() until end of file?), "
                "or only the first of several lines that arrived together",
            )


@pytest.mark.category("correctness")
async def test_half_line_is_held_back(kata):
    """Half a line is not echoed; once its newline arrives, the whole line is."""
    async with serving(kata) as served, clients(served.port, 1) as (client,):
        await client.send(b"half a li")
        # A server that echoes what each read returns does so a few loop iterations later; this waits 0.1 s.
        early = await client.listen(units(1))
        await client.send(b"ne\n")
        echo = await client.read_line()
    expect(
        early == b"",
        saw=f"a client sent b'half a li' (no newline yet) and got back {short(early)}",
        expected="nothing until the line's b'\\n' arrives",
        mistake="whatever one read() returns is echoed at once: read whole lines (readline())",
    )
    expect(
        echo == b"half a line\n",
        saw=f"then it sent b'ne\\n' and got back {got(echo)}{await served.crashed()}",
        expected="b'half a line\\n'",
        mistake=NO_ECHO if echo is None else None,
    )


@pytest.mark.category("correctness")
async def test_echoes_the_last_partial_line(kata):
    """A client that closes its side after a line without newline gets that partial line back as it is."""
    async with serving(kata) as served, clients(served.port, 1) as (client,):
        await client.send(b"first\nlast, no newline")
        await client.end()
        echoed = await client.read_bytes(len(b"first\nlast, no newline"))
        echoed += await client.listen(0)
    expect(
        echoed == b"first\nlast, no newline",
        saw=f"a client sent b'first\\nlast, no newline', closed its side, and got back {short(echoed)}"
        f"{await served.crashed()}",
        expected="b'first\\nlast, no newline': the last line as it is, without b'\\n'",
        mistake="at end of file the partial line was dropped: readline() returns it (readuntil() raises "
        "IncompleteReadError, whose .partial holds it)"
        if echoed == b"first\n"
        else None,
    )


@pytest.mark.category("correctness")
async def test_echoes_a_long_line(kata):
    """A 16 KiB line, of multibyte characters, sent in pieces, comes back whole."""
    line = ("ü€" * 4096).encode()[: 16 * 1024 - 1] + b"\n"
    async with serving(kata) as served, clients(served.port, 1) as (client,):
        for start in range(0, len(line), 1000):
            await client.send(line[start : start + 1000])
            await current_sandbox().turns(1)
        echo = await client.read_bytes(len(line))
        echo += await client.listen(0)
    expect(
        echo == line,
        saw=f"a client sent a line of {len(line)} bytes in pieces and got back {len(echo)} bytes"
        f"{'' if line.startswith(echo) else ', not the same'}{await served.crashed()}",
        expected=f"the same {len(line)} bytes",
        mistake=decoding_mistake(served)
        or (
            NO_ECHO
            if not echo
            else "the line is read with a small limit, or cut into reads of a fixed size: lines go up to 16 KiB"
        ),
    )


@pytest.mark.category("correctness")
async def test_closes_when_the_client_does(kata):
    """Once a client closes its side, the server closes the connection (with or without a line sent)."""
    async with serving(kata) as served, clients(served.port, 2) as (talker, silent):
        await talker.send(b"bye\n")
        echo = await talker.read_line()
        expect(
            echo == b"bye\n",
            saw=f"a client sent b'bye\\n' and got back {got(echo)}{await served.crashed()}",
            expected="b'bye\\n'",
            mistake=NO_ECHO if echo is None else None,
        )
        await asyncio.gather(talker.finish(), silent.finish())
    expect(
        talker.eof and silent.eof,
        saw=f"{2 - talker.eof - silent.eof} of 2 clients that closed their side found the connection still open "
        f"{seconds(PATIENCE)} later",
        expected="the server closes each connection once its client has closed its side",
        mistake="the handler returns (or waits) without closing: call writer.close(), then "
        "await writer.wait_closed(), when a read returns b''",
    )


@pytest.mark.category("concurrency")
async def test_stalled_client_delays_nobody(kata):
    """While one client has sent half a line and stalls, ten others are served at once."""
    async with serving(kata) as served:
        async with clients(served.port, 1) as (alone,):  # first, one client on its own
            await alone.send(b"alone\n")
            echo = await alone.read_line()
        expect(
            echo == b"alone\n",
            saw=f"a client on its own sent b'alone\\n' and got back {got(echo)}{await served.crashed()}",
            expected="b'alone\\n'",
            mistake=NO_ECHO if echo is None else None,
        )

        async def exchange(index: int) -> bool:
            async with clients(served.port, 1) as (client,):
                line = f"client {index}\n".encode()
                await client.send(line)
                return await client.read_line() == line

        async with clients(served.port, 1) as (stalled,):
            await stalled.send(b"stalled, half a li")
            await settle(10)
            with Stopwatch() as watch:
                echoed = await asyncio.gather(*(exchange(index) for index in range(10)))
            # Served at once: a few milliseconds. Held up behind the stalled client: never (it finishes its line
            # only after them), so each waits out its 0.3 s limit. Served while it stalled or not is exact,
            # whatever the load.
            expect(
                all(echoed),
                saw=f"while one client stalled in the middle of a line, {sum(echoed)} of 10 other clients got their "
                f"line back (after {seconds(watch.elapsed)}){await served.crashed()}",
                expected="all 10 served at once",
                mistake="one client at a time (a lock around the handler?): each client has its own handler task, "
                "running alongside the others, when asyncio.start_server calls it",
            )
            await stalled.send(b"ne\n")
            stalled_echo = await stalled.read_line()
    expect(
        stalled_echo == b"stalled, half a line\n",
        saw=f"the stalled client then finished its line and got back {got(stalled_echo)}{await served.crashed()}",
        expected="b'stalled, half a line\\n'",
    )


@pytest.mark.category("concurrency")
async def test_many_clients_at_once(kata):
    """Twenty clients each send half a line, all stall 0.1 s, then finish it: all are echoed, in about 0.1 s."""
    count, stall = 20, units(1)
    async with serving(kata) as served, clients(served.port, count) as group:
        with Stopwatch() as watch:
            for index, client in enumerate(group):
                await client.send(f"client {index}, half".encode())
            await real_sleep(stall)
            for client in group:
                await client.send(b" and the rest\n")
            echoes = await asyncio.gather(*(client.read_line() for client in group))
    echoed = sum(echo == f"client {index}, half and the rest\n".encode() for index, echo in enumerate(echoes))
    # Every client stays connected until all are echoed, so a server serving fewer at a time never gets to the
    # rest, whose echoes it never sends: the count is exact. All at once takes 0.1 s (the stall); the bound,
    # 0.4 s, is 4x that.
    bound = units(4)
    expect(
        echoed == count and watch.elapsed <= bound,
        saw=f"{count} clients connected at once, each in the middle of a line: {echoed} got their line back, "
        f"after {seconds(watch.elapsed)}{await served.crashed()}",
        expected=f"all {count} echoed, within {seconds(bound)}",
        mistake=NO_ECHO
        if echoed == 0
        else "only some clients are served at a time (a lock, or a Semaphore, around the handler?)"
        if echoed < count
        else "the event loop was held up: something blocks in the handler",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While five clients talk to the server, the event loop keeps running other tasks."""

    async def talk(client: LineClient, index: int) -> bool:
        for number in range(5):
            line = f"client {index} line {number}\n".encode()
            await client.send(line[:5])
            await real_sleep(units(0.2))
            await client.send(line[5:])
            if await client.read_line() != line:
                return False
        return True

    async with serving(kata) as served, clients(served.port, 5) as group:
        async with LoopWatch() as watch:
            answered = await asyncio.gather(*(talk(client, index) for index, client in enumerate(group)))
    watch.expect_free()
    expect(
        all(answered),
        saw=f"{answered.count(False)} of 5 clients did not get their lines back{await served.crashed()}",
        expected="every line echoed",
        mistake=NO_ECHO
        if not any(answered)
        else "only some clients are served at a time (a lock, or a Semaphore, around the handler?)",
    )


@pytest.mark.category("exceptions")
async def test_port_in_use_raises(kata):
    """The port is already taken: the OSError from binding it propagates."""
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        call = KataCall(kata.start_echo_server(HOST, port))
        done, _ = await asyncio.wait([call.task], timeout=START_LIMIT)
        if not done:
            call.cancel()
        outcome = await call.outcome()
    where = ""
    if outcome.returned and is_server(outcome.value):
        where = f" (a server listening on {short(addresses(outcome.value))})"
        await close_server(outcome.value)
    if outcome.returned:
        mistake = "the error was caught, or another port taken instead: the caller asked for that port"
    elif outcome.cancelled:
        mistake = "it never returned: await server.serve_forever() does not belong in it"
    else:
        mistake = "the error was replaced by another one"
    expect(
        isinstance(outcome.error, OSError),
        saw=f"asked for port {port}, already taken, {outcome.describe()}{where}",
        expected="the OSError (address already in use) raised as it is",
        mistake=mistake,
    )


@pytest.mark.category("exceptions")
async def test_no_error_when_clients_close(kata):
    """Clients closing normally (after a line, mid-line, or having sent nothing) raise nothing in the server."""
    async with serving(kata) as served:
        async with clients(served.port, 3) as (full, partial, silent):
            await full.send(b"a line\n")
            await partial.send(b"half a")
            await current_sandbox().turns(5)
            await asyncio.gather(full.finish(), partial.finish(), silent.finish())
        await settle(10)
        running = await leaked_tasks()
    expect(
        not served.errors,
        saw="the event loop reported, from the server's handler: " + "; ".join(served.errors),
        expected="each client's handler ends normally once its client has closed its side",
        mistake="an exception escaped the handler: at end of file readline() returns b'' (readuntil() raises "
        "IncompleteReadError: catch it, and send back its .partial)",
    )
    expect(
        not running,
        saw=f"{running} task(s) still running after every client had closed its connection",
        expected="each client's handler ends once its client has closed its side",
        mistake="the handler waits for something more after the read that returned b'': close and return",
    )
