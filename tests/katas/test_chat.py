"""Hidden suite: chat.start_chat(host, port, *, outbox) -> ChatServer (.port, aclose())."""

import asyncio
import contextlib
import math
import socket
from contextlib import asynccontextmanager

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from harness import KataCall, LoopErrors, LoopWatch, expect, run, seconds, settle, short, units
from harness.checks import leaked_tasks
from harness.clients import SilentClient, TalkClient, backlog_bytes
from harness.inputs import text
from harness.network import HOLD_LIMIT, HOST, PATIENCE, LoopHold, StreamWatch, free_port, stopped
from harness.sandbox import RemoteObject, SandboxEnded, current_sandbox
from harness.timing import until

# A correct start_chat returns within milliseconds (one round trip to the sandbox, tens of ms on a loaded machine);
# one that serves forever never does.
START_LIMIT = units(5)
# A correct aclose() returns within milliseconds (it aborts connections, then waits for its own tasks); one that
# waits for a client that never reads to take its lines never does.
CLOSE_LIMIT = units(10)
# Iterations of the sandbox's loop (settle: one round trip) after clients have sent their names or lines: a server
# accepts a connection, starts its handler and reads the name in about six; twenty leave room for a few more awaits
# of a server's own.
NAMING_TURNS = 20


# How long the judge's clients wait for the big lines that back up a client that never reads: 0.3 s, and 0.2 s more
# per MB (about 1 MB where the kata has a network of its own, 5 MB elsewhere). A correct server relays 1 MB in
# 0.05 s at most on a loaded 2-core machine (two busy processes beside, load average 11), 5 MB in 0.15 s unloaded;
# one that stalls behind a client that does not read never relays them.
def megabytes_patience() -> float:
    return units(3) + units(2) * big_lines() * BIG / 1e6


# The text of a big line: with its "ann: " and newline, under the contract's 32 KiB.
BIG = 32000
HANDLER_RAISED = "Unhandled exception in client_connected_cb: "

never_returned = False
not_started = False
SERVES_FOREVER = (
    "it awaits server.serve_forever() (or waits in `async with server:`), which runs until the server is "
    "closed: start the server with asyncio.start_server and return at once"
)
HELD_MISTAKE = (
    "a loop that never stops at end of file: once a client has closed its side, readline() returns b'' at once, "
    "every time, without waiting. Stop when it returns a line without b'\\n'"
)


# Lines that surely wait for a client that never reads, beyond all its kernel buffers and transport can take: twice
# the outbox of the check that expects it disconnected.
OUTBOX = 10
EXTRA = 2 * OUTBOX


def big_lines() -> int:
    """How many big lines from one client surely back up at a client that never reads: the most the kernel and
    the transport can take for it (backlog_bytes), then EXTRA more lines waiting."""
    return math.ceil(backlog_bytes() / BIG) + EXTRA


class Chat(LoopErrors):
    """The learner's chat server as a check sees it: `port`, the `server` object, `baseline` (tasks running in the
    sandbox with no client connected), and what the sandbox's loop reported meanwhile (`messages`)."""

    port = 0
    server: RemoteObject
    baseline = 0
    closed = False
    collect = False  # on exit, let the loop settle and collect garbage, to see exceptions nobody retrieved

    async def __aexit__(self, *exc_info) -> None:
        if self.collect:
            await super().__aexit__(*exc_info)
        else:
            await self.update()

    async def crashed(self) -> str:
        """'; the server's handler raised ...', to add to what a check saw."""
        await self.update()
        if not self.messages:
            return ""
        error = self.messages[0]
        if error.startswith(HANDLER_RAISED):
            return f"; a handler of the server's raised {error.removeprefix(HANDLER_RAISED)}"
        return f"; the event loop reported {error}"

    async def tasks_left(self) -> int:
        """Tasks running in the sandbox beyond the server's own with no client connected."""
        return await leaked_tasks() - self.baseline


async def port_of(server: RemoteObject) -> object:
    """The server object's `.port`, read in the sandbox."""
    outcome = await run(server.method("__getattribute__").in_loop_thread("port"))
    return outcome.value if outcome.returned else None


async def close_chat(chat: Chat) -> None:
    """aclose() the learner's server, if the check has not, and if the sandbox still runs."""
    if chat.closed:
        return
    chat.closed = True
    with contextlib.suppress(SandboxEnded):
        call = KataCall(chat.server.aclose())
        # Cleanup, not a verdict: a server stuck for good is cancelled soon (the sandbox ends what is left).
        done, _ = await asyncio.wait([call.task], timeout=units(2))
        if not done:
            call.cancel()
        await call.outcome()


@asynccontextmanager
async def chatting(kata, port: int = 0, *, streams=False, tasks=False, collect=False, **options):
    """`async with chatting(kata, outbox=...) as chat:` the learner's chat server on 127.0.0.1, aclose()d at the
    end. Code that holds the sandbox's event loop for good is stopped, and the check fails saying so. What a check
    needs besides, each a few round trips to the sandbox: `streams`, the sandbox holds every writer made, so that
    one the server never closed stays open (StreamWatch); `tasks`, `chat.baseline` counts the tasks running with
    no client connected; `collect`, unretrieved exceptions are looked for at the end."""
    global never_returned, not_started
    if not_started:  # the stub: every check says "not started" at once, without asking the sandbox again
        raise NotImplementedError("start_chat")
    if never_returned:
        raise stopped(
            saw=f"in an earlier check, start_chat had not returned after {seconds(START_LIMIT)}: this check did "
            "not call it again",
            expected="it returns as soon as the server listens",
            mistake=SERVES_FOREVER,
        )
    if LoopHold.ever:
        raise stopped(
            saw=f"in an earlier check, the server held the event loop for {seconds(HOLD_LIMIT)} without pausing, "
            "and was stopped: this check did not start it again",
            expected="handlers that await more data, and end once their client has closed its side",
            mistake=HELD_MISTAKE,
        )
    held = LoopHold(
        saw=f"the server held the event loop for {seconds(HOLD_LIMIT)} without pausing, and was stopped",
        expected="handlers that await more data, and end once their client has closed its side",
        mistake=HELD_MISTAKE,
    )
    async with held, contextlib.AsyncExitStack() as stack:
        if streams:
            await stack.enter_async_context(StreamWatch())
        call = KataCall(kata.start_chat(HOST, port, **options))
        done, _ = await asyncio.wait([call.task], timeout=START_LIMIT)
        if not done:
            never_returned = True
            call.cancel()
            await call.outcome()
            raise stopped(
                saw=f"start_chat had not returned after {seconds(START_LIMIT)}",
                expected="it returns as soon as the server listens",
                mistake=SERVES_FOREVER,
            )
        try:
            outcome = await call.outcome()
        except NotImplementedError:
            not_started = True
            raise
        expect(
            outcome.returned and isinstance(outcome.value, RemoteObject),
            saw=f"start_chat(...) {outcome.describe()}",
            expected="an object with .port and aclose() (a ChatServer)",
            mistake="the ChatServer was not returned (no `return`?)" if outcome.returned else None,
        )
        chat = Chat()
        chat.server = outcome.value
        chat.collect = collect
        try:
            port = await port_of(chat.server)
            expect(
                isinstance(port, int) and port > 0,
                saw=f"its .port is {short(port)}",
                expected="the port the server listens on, an int",
                mistake="`.port` was not set from the listening socket (server.sockets[0].getsockname()[1])",
            )
            chat.port = port
            if tasks:
                await settle(3)
                chat.baseline = await leaked_tasks()
            async with chat:
                yield chat
        finally:
            await close_chat(chat)


async def connect(chat: Chat) -> TalkClient:
    try:
        return await TalkClient.connect(chat.port)
    except (OSError, TimeoutError) as error:
        expect(
            False,
            saw=f"a client could not connect to the server on its .port {chat.port}: {type(error).__name__}",
            expected="the server accepts every client that connects",
            mistake="`.port` is not the port the server listens on" if isinstance(error, OSError) else None,
        )


@asynccontextmanager
async def clients(chat: Chat, *names: str | None):
    """`async with clients(chat, "ann", "bob", None) as (ann, bob, nobody):` clients connected, each having sent
    its name (None: none), and the server given the turns to read them; all closed at the end."""
    group: list[TalkClient] = []
    try:
        for _ in names:
            group.append(await connect(chat))
        for client, name in zip(group, names, strict=True):
            if name is not None:
                await client.send(name.encode() + b"\n")
        await settle(NAMING_TURNS)
        yield group
    finally:
        await asyncio.gather(*(client.close() for client in group))


def told(line: bytes) -> str:
    return short(line)


def saw_lines(client: TalkClient) -> str:
    return short(client.lines) if client.lines else "nothing"


ECHOED = "the line is sent back to its sender too: deliver it to every client but the one that sent it"


@pytest.mark.category("correctness")
async def test_relays_to_the_others(kata):
    """Three named clients: each line one sends reaches the two others as 'name: text', never its sender."""
    async with chatting(kata) as chat, clients(chat, "ann", "bob", "cat") as (ann, bob, cat):
        await ann.send(b"hi all\n")
        arrived = [await client.until_line(b"ann: hi all\n") for client in (bob, cat)]
        expect(
            all(arrived),
            saw=f"ann sent b'hi all\\n'; bob got {saw_lines(bob)}, cat got {saw_lines(cat)}{await chat.crashed()}",
            expected="b'ann: hi all\\n' to bob and to cat",
            mistake="each client's first line is its name, and the lines after it go out as f'{name}: {text}\\n'"
            if bob.lines or cat.lines
            else "nothing is delivered: read each client's lines, and write each to every other named client",
        )
        # Lines to one client go out in order: once ann has bob's answer, anything of her own would have come first.
        await bob.send(b"hello ann\n")
        arrived = await ann.until_line(b"bob: hello ann\n")
        expect(
            arrived and ann.lines == [b"bob: hello ann\n"],
            saw=f"bob then sent b'hello ann\\n'; ann got {saw_lines(ann)}{await chat.crashed()}",
            expected="ann gets exactly b'bob: hello ann\\n': nothing of her own",
            mistake=ECHOED if b"ann: hi all\n" in ann.lines else None,
        )
        await cat.send(b"bye\n")
        await asyncio.gather(ann.until_line(b"cat: bye\n"), bob.until_line(b"cat: bye\n"))
        await ann.send(b"done\n")
        await asyncio.gather(bob.until_line(b"ann: done\n"), cat.until_line(b"ann: done\n"))
        wanted = {
            "ann": [b"bob: hello ann\n", b"cat: bye\n"],
            "bob": [b"ann: hi all\n", b"cat: bye\n", b"ann: done\n"],
            "cat": [b"ann: hi all\n", b"bob: hello ann\n", b"ann: done\n"],
        }
        for name, client in (("ann", ann), ("bob", bob), ("cat", cat)):
            expect(
                client.lines == wanted[name],
                saw=f"ann, bob, cat and ann again each sent a line; {name} got {saw_lines(client)}"
                f"{await chat.crashed()}",
                expected=f"exactly {short(wanted[name])}",
                mistake=ECHOED if any(line.startswith(name.encode() + b": ") for line in client.lines) else None,
            )


@pytest.mark.category("correctness")
async def test_two_clients_with_one_name(kata):
    """Two clients may give the same name: each is a client of its own, getting the others' lines, never its own."""
    async with chatting(kata) as chat, clients(chat, "ann", "bob", "bob") as (ann, first, second):
        await ann.send(b"hi bobs\n")
        await asyncio.gather(first.until_line(b"ann: hi bobs\n"), second.until_line(b"ann: hi bobs\n"))
        expect(
            b"ann: hi bobs\n" in first.lines and b"ann: hi bobs\n" in second.lines,
            saw=f"two clients named bob; ann sent b'hi bobs\\n': the first bob got {saw_lines(first)}, the second "
            f"{saw_lines(second)}{await chat.crashed()}",
            expected="b'ann: hi bobs\\n' to both",
            mistake="clients are kept in a dict by name: the second bob replaced the first. Key them by connection "
            "(the writer), or keep a list",
        )
        await first.send(b"I'm the first\n")
        await asyncio.gather(ann.until_line(b"bob: I'm the first\n"), second.until_line(b"bob: I'm the first\n"))
        await ann.send(b"done\n")
        await asyncio.gather(first.until_line(b"ann: done\n"), second.until_line(b"ann: done\n"))
        wanted = {
            "ann": (ann, [b"bob: I'm the first\n"]),
            "the first bob": (first, [b"ann: hi bobs\n", b"ann: done\n"]),
            "the second bob": (second, [b"ann: hi bobs\n", b"bob: I'm the first\n", b"ann: done\n"]),
        }
        for who, (client, lines) in wanted.items():
            expect(
                client.lines == lines,
                saw=f"the first bob sent b\"I'm the first\\n\", then ann b'done\\n': {who} got {saw_lines(client)}"
                f"{await chat.crashed()}",
                expected=f"exactly {short(lines)}",
                mistake="the sender is told apart by its name, not by its connection: a line is not sent to "
                "another client that has the sender's name"
                if who == "the second bob"
                else ECHOED
                if who == "the first bob"
                else None,
            )


@pytest.mark.category("correctness")
async def test_listens_on_the_port_given(kata):
    """Given a port, it listens on that very port, and `.port` says so."""
    wanted = free_port()
    async with chatting(kata, wanted) as chat:
        expect(
            chat.port == wanted,
            saw=f"asked for port {wanted}, .port is {chat.port}",
            expected=f"{wanted}",
            mistake="the port argument was not passed on to asyncio.start_server",
        )
        async with clients(chat, "ann", "bob") as (ann, bob):
            await ann.send(b"here\n")
            expect(
                await bob.until_line(b"ann: here\n"),
                saw=f"on port {wanted}, ann sent b'here\\n' and bob got {saw_lines(bob)}{await chat.crashed()}",
                expected="b'ann: here\\n'",
            )


@pytest.mark.category("exceptions")
async def test_port_in_use_raises(kata):
    """The port is already taken: the OSError from binding it propagates."""
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        call = KataCall(kata.start_chat(HOST, port))
        done, _ = await asyncio.wait([call.task], timeout=START_LIMIT)
        if not done:
            call.cancel()
        outcome = await call.outcome()
    if outcome.returned and isinstance(outcome.value, RemoteObject):
        chat = Chat()
        chat.server = outcome.value
        await close_chat(chat)
    expect(
        isinstance(outcome.error, OSError),
        saw=f"asked for port {port}, already taken, start_chat {outcome.describe()}",
        expected="the OSError (address already in use) raised as it is",
        mistake="it never returned: serve_forever() does not belong in it"
        if outcome.cancelled
        else "the error was caught, or another port taken instead"
        if outcome.returned
        else "the error was replaced by another one",
    )


@pytest.mark.category("correctness")
async def test_only_named_clients_receive(kata):
    """A client gets nothing until it has sent its name (a whole first line); after that, every later line; and
    no notice of anyone joining or leaving."""
    async with chatting(kata) as chat, clients(chat, "ann", "bob", None, None) as (ann, bob, dan, eve):
        await dan.send(b"da")  # half a name
        await settle(NAMING_TURNS)
        await ann.send(b"before dan\n")
        got = await bob.until_line(b"ann: before dan\n")
        expect(
            got,
            saw=f"ann sent b'before dan\\n'; bob got {saw_lines(bob)}{await chat.crashed()}",
            expected="b'ann: before dan\\n'",
        )
        await dan.send(b"n\n")  # now dan has a name
        await settle(NAMING_TURNS)
        await ann.send(b"after dan\n")
        got = await dan.until_line(b"ann: after dan\n")
        expect(
            got and dan.lines == [b"ann: after dan\n"],
            saw=f"dan sent half his name, ann sent b'before dan\\n', dan finished his name, ann sent "
            f"b'after dan\\n': dan got {saw_lines(dan)}{await chat.crashed()}",
            expected="exactly [b'ann: after dan\\n']: a line goes only to clients that have sent their name",
            mistake="lines go to every connected client, named or not: add a client to the room only once its "
            "first line (its name) has arrived whole"
            if b"ann: before dan\n" in dan.lines
            else "the name line is read with read() rather than readline(): a name can arrive in pieces"
            if not got
            else None,
        )
        await dan.send(b"hi, I'm dan\n")
        got = await ann.until_line(b"dan: hi, I'm dan\n")
        expect(
            got,
            saw=f'dan sent b"hi, I\'m dan\\n"; ann got {saw_lines(ann)}{await chat.crashed()}',
            expected='b"dan: hi, I\'m dan\\n": the name is the whole first line, without its newline',
        )
        # Eve never sends a name; bob leaves; then eve names herself: she gets only what comes after.
        await bob.close()
        await settle(NAMING_TURNS)
        await eve.send(b"eve\n")
        await settle(NAMING_TURNS)
        await ann.send(b"welcome\n")
        got = await eve.until_line(b"ann: welcome\n") and await dan.until_line(b"ann: welcome\n")
        expect(
            got and eve.lines == [b"ann: welcome\n"],
            saw=f"eve, connected all along, sent her name late, then ann sent b'welcome\\n': eve got {saw_lines(eve)}"
            f"{await chat.crashed()}",
            expected="exactly [b'ann: welcome\\n']",
            mistake="lines go to clients that have not sent their name yet"
            if any(b"before" in line or b"after" in line for line in eve.lines)
            else None,
        )
        expect(
            ann.lines == [b"dan: hi, I'm dan\n"] and dan.lines == [b"ann: after dan\n", b"ann: welcome\n"],
            saw=f"ann got {saw_lines(ann)}, dan got {saw_lines(dan)}",
            expected="ann: [b\"dan: hi, I'm dan\\n\"]; dan: [b'ann: after dan\\n', b'ann: welcome\\n']: nothing else",
            mistake="clients are told of others joining or leaving (no notices: only the lines clients send)",
        )


class OneServer:
    """The learner's server started once for all the examples of a hypothesis check (each its own clients, all
    closed at its end), aclose()d when the check ends."""

    def __init__(self) -> None:
        self.stack = contextlib.AsyncExitStack()
        self.chat: Chat | None = None

    async def start(self, kata) -> Chat:
        if self.chat is None:
            self.chat = await self.stack.enter_async_context(chatting(kata))
        return self.chat


@pytest.fixture
async def one_server():
    server = OneServer()
    try:
        yield server
    finally:
        await server.stack.aclose()


# Each example connects four clients to a server started once for the check: ten examples, and no shrinking, whose
# replays of a failing example would run past the check's time.
SCENES = settings(max_examples=10, phases=[Phase.explicit, Phase.generate])
NAMES = ["ann", "bob", "cat"]
# Text of a line: from the suites' alphabet, with a "\r" now and then, maybe empty.
line_text = st.one_of(text(8), text(4).map(lambda t: t + "\r"), st.just(""))


@st.composite
def talks(draw) -> list[tuple[int, bytes]]:
    """Who sends what: pieces of the three clients' streams of lines, interleaved (a piece can end anywhere in a
    line, inside a character too)."""
    streams = []
    for _ in NAMES:
        lines = draw(st.lists(line_text, max_size=4))
        payload = b"".join(line.encode() + b"\n" for line in lines)
        cuts = sorted(set(draw(st.lists(st.integers(0, len(payload)), max_size=3))) | {0, len(payload)})
        streams.append([payload[start:end] for start, end in zip(cuts, cuts[1:], strict=False)])
    order = draw(st.permutations([index for index, stream in enumerate(streams) for _ in stream]))
    pieces = []
    for index in order:
        pieces.append((index, streams[index].pop(0)))
    return pieces


def expected_for(pieces: list[tuple[int, bytes]], receiver: int) -> dict[str, list[bytes]]:
    sent: dict[int, bytes] = {}
    for index, piece in pieces:
        sent[index] = sent.get(index, b"") + piece
    return {
        NAMES[index]: [NAMES[index].encode() + b": " + line + b"\n" for line in data.split(b"\n")[:-1]]
        for index, data in sent.items()
        if index != receiver
    }


def by_sender(lines: list[bytes]) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for line in lines:
        found.setdefault(line.partition(b": ")[0].decode(errors="replace"), []).append(line)
    return found


@pytest.mark.category("correctness")
@SCENES
@given(talks())
@example([(0, b"one\n"), (1, b"two\n"), (0, b"three\n"), (2, b"\n")])
@example([(0, b"with\r\nand \xff\xfe not UTF-8\n"), (1, "é".encode()[:1]), (1, "é".encode()[1:] + b"\n")])
@example([(0, b"a\n"), (0, b"b\n"), (0, b"c\n"), (1, b"x\n"), (0, b"d\n"), (1, b"y\n"), (2, b"z\n")])
async def test_each_senders_lines_in_order(kata, one_server, pieces):
    """Lines sent in any pieces by three clients at once reach each other client whole, exactly as
    'name: text\\n' ("\\r" and empty lines included, invalid UTF-8 replaced), each sender's in its order."""
    chat = await one_server.start(kata)
    async with clients(chat, *NAMES, "zed") as group:
        for index, piece in pieces:
            await group[index].send(piece)
        # zed's line goes out after every line of theirs has been read by the server (a few turns later), and
        # every client gets lines in order: once it has zed's, it has everything.
        await settle(NAMING_TURNS)
        await group[3].send(b"end\n")
        for receiver in range(3):
            client = group[receiver]
            await client.until_line(b"zed: end\n")
            wanted = expected_for(pieces, receiver)
            wanted = {
                name: [line.decode(errors="replace").encode() for line in lines] for name, lines in wanted.items()
            }
            wanted = {name: lines for name, lines in wanted.items() if lines}
            got = by_sender(client.before(b"zed: end\n"))
            sent = b"".join(piece for index, piece in pieces if index == receiver)
            if NAMES[receiver] in got:
                mistake = ECHOED
            elif sorted(map(sorted, got.values())) == sorted(map(sorted, wanted.values())) and got != wanted:
                mistake = "one sender's lines arrive out of order: deliver each line in the order it was read"
            else:
                mistake = None
            expect(
                got == wanted and b"zed: end\n" in client.lines,
                saw=f"{NAMES[receiver]} (who sent {short(sent)}) got {short(client.before(b'zed: end'))}"
                f"{'' if b'zed: end' in client.received else ' and never zed: end'}{await chat.crashed()}",
                expected=f"from each other client its lines, in order: {short(wanted)}",
                mistake=mistake,
            )


@pytest.mark.category("correctness")
async def test_lines_as_sent(kata):
    """'\\r' stays in the text, an empty line is delivered, invalid UTF-8 is replaced, a name can be any text, and
    bytes after the last newline of a client that closes are dropped."""
    async with chatting(kata) as chat, clients(chat, "zoë", "bob", "cat") as (zoe, bob, cat):
        await zoe.send(b"carriage\r\n\nbad \xff byte\nlast, no newline")
        await zoe.close()
        await settle(NAMING_TURNS)
        await cat.send(b"after zoe\n")
        await bob.until_line(b"cat: after zoe\n")
        wanted = ["zoë: carriage\r\n".encode(), "zoë: \n".encode(), "zoë: bad \ufffd byte\n".encode()]
        got = bob.before(b"cat: after zoe\n")
        if any(b"last, no newline" in line for line in got):
            mistake = "the bytes after the last newline were delivered as a line when the client closed: drop them"
        elif any(b"\xef\xbf\xbd" not in line and b"bad" in line for line in got):
            mistake = "invalid UTF-8 not replaced: decode with errors='replace'"
        elif (
            got == [line.replace(b"\r", b"") for line in wanted] or got == [wanted[0].replace(b"\r", b"")] + wanted[1:]
        ):
            mistake = "the '\\r' was stripped (strip() or rstrip()): only the '\\n' ends a line"
        elif len(got) == 2 and got == [wanted[0], wanted[2]]:
            mistake = "the empty line was skipped: deliver it too, as 'zoë: \\n'"
        elif not got and chat.messages:
            mistake = "decoding failed: bytes that are not UTF-8 must not stop the handler (errors='replace')"
        else:
            mistake = None
        expect(
            got == wanted and b"cat: after zoe\n" in bob.lines,
            saw=f"zoë sent b'carriage\\r\\n\\nbad \\xff byte\\nlast, no newline' and closed; bob got {short(got)}"
            f"{await chat.crashed()}",
            expected=f"exactly {short(wanted)}",
            mistake=mistake,
        )


async def send_big_lines(client: TalkClient, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        await client.send(f"{number:05} ".encode() + b"x" * (BIG - 7) + b"\n")


def big_line(number: int) -> bytes:
    return b"ann: " + f"{number:05} ".encode() + b"x" * (BIG - 7) + b"\n"


@pytest.mark.category("concurrency")
async def test_a_silent_client_stalls_nobody(kata):
    """A client that reads nothing while ann sends megabytes: bob gets every line at once, and the silent client,
    its outbox large enough, stays connected and gets every line once it reads."""
    count = big_lines()
    async with chatting(kata, outbox=2 * count) as chat, clients(chat, "ann", "bob") as (ann, bob):
        silent = await SilentClient.connect(chat.port)
        try:
            await silent.send(b"sid\n")
            await settle(NAMING_TURNS)
            sending = asyncio.create_task(send_big_lines(ann, count))
            # Every line reaches bob within moments while sid reads nothing. A server that waits for each
            # client to take a line before the next (drain() per recipient in the sender's handler) stops once
            # sid's buffers are full, about 4 MB in: bob never gets the rest.
            got = await bob.until_lines(count, within=megabytes_patience())
            sending.cancel()
            await asyncio.wait([sending])
            expect(
                got,
                saw=f"ann sent {count} lines of 32 KB while sid read nothing: bob got {len(bob.lines)} of them"
                f"{await chat.crashed()}",
                expected=f"all {count}, at once: a client that does not read slows nobody",
                mistake="the sender's handler awaits writer.drain() for each recipient, so it waits for the "
                "slowest: put lines in each client's outbox, and let a task of that client's hand them over"
                if bob.lines
                else None,
            )
            expect(
                not await silent.until_disconnected(units(1)),
                saw=f"sid, with at most {count} lines waiting and an outbox of {2 * count}, was disconnected",
                expected="sid stays connected: fewer lines than `outbox` wait for it",
                mistake="a client is disconnected when its transport's writing pauses (or its buffer is full), "
                "rather than when more than `outbox` lines wait for it",
            )
            # sid reads while ann sends 20 more: a line must not overtake those waiting in sid's outbox.
            sending = asyncio.create_task(send_big_lines(ann, 20, start=count))
            size = (count + 20) * len(big_line(0))
            complete = await silent.read_until(size, within=megabytes_patience())
            sending.cancel()
            await asyncio.wait([sending])
            wanted = b"".join(big_line(number) for number in range(count + 20))
            expect(
                complete and silent.received == wanted,
                saw=f"sid then read, while ann sent 20 more lines: {len(silent.received)} of {size} bytes came"
                f"{'' if wanted.startswith(silent.received) else ', not in the order ann sent them'}"
                f"{await chat.crashed()}",
                expected=f"all {count + 20} lines, in order",
                mistake="lines were dropped while the client was slow, or the client was disconnected"
                if not complete
                else "a new line is written to the transport at once when it has room, ahead of the lines still "
                "waiting in the client's outbox: while any wait, a new line joins the end of the outbox"
                if not wanted.startswith(silent.received)
                else None,
            )
        finally:
            silent.close()


async def flood(ann: TalkClient, count: int, within: float | None = None) -> bool:
    """ann sends `count` big lines, for at most `within` (a server that stops reading her stops it there); whether
    the server took them all."""
    sending = asyncio.create_task(send_big_lines(ann, count))
    done, _ = await asyncio.wait([sending], timeout=megabytes_patience() if within is None else within)
    sending.cancel()
    await asyncio.wait([sending])
    return bool(done)


WAITS_FOR_SLOWEST = (
    "the sender waits for the slowest client (writer.drain() per recipient, or a bounded queue's put()): put "
    "lines in an outbox without waiting, and disconnect a client whose outbox is over its limit"
)


@pytest.mark.category("concurrency")
async def test_a_silent_client_is_disconnected(kata):
    """A client that reads nothing, with more than `outbox` lines waiting for it, is aborted at once, its lines
    dropped; the room goes on, and the client leaves nothing behind."""
    count, outbox = big_lines(), OUTBOX
    async with chatting(kata, outbox=outbox, tasks=True) as chat, clients(chat, "ann") as (ann,):
        silent = await SilentClient.connect(chat.port)
        try:
            await silent.send(b"sid\n")
            await settle(NAMING_TURNS)
            flooded = await flood(ann, count)
            expect(
                flooded,
                saw=f"ann sent {count} lines of 32 KB while sid read nothing: after {seconds(megabytes_patience())} "
                f"the server had not taken them all from her{await chat.crashed()}",
                expected="every line taken at once: a client that does not read slows nobody",
                mistake=WAITS_FOR_SLOWEST,
            )
            # Bob joins after the flood (a reader, however fast, can be over a small outbox in a burst): once he
            # has ann's next line, the server has read all hers before it, and at least twice `outbox` of them
            # wait for sid, beyond all its kernel buffers and transport can hold. Its connection is aborted by now.
            async with clients(chat, "bob") as (bob,):
                await ann.send(b"marker\n")
                got = await bob.until_line(b"ann: marker\n", within=megabytes_patience())
                expect(
                    got,
                    saw=f"ann sent {count} lines of 32 KB while sid read nothing, then bob joined and ann sent "
                    f"b'marker\\n': bob got {saw_lines(bob)}{await chat.crashed()}",
                    expected="b'ann: marker\\n' at once: a client that does not read slows nobody",
                    mistake=WAITS_FOR_SLOWEST,
                )
                expect(
                    await silent.until_disconnected(units(2)),
                    saw=f"with {count} lines of 32 KB sent to sid, which reads nothing (at most about "
                    f"{backlog_bytes() // BIG} fit in its buffers), its connection was still open"
                    f"{await chat.crashed()}",
                    expected=f"sid disconnected (transport.abort()) once more than {outbox} lines waited for it",
                    mistake="a slow client is never disconnected (its lines pile up without limit), or closed with "
                    "writer.close(), which waits to send what is buffered: abort its transport instead",
                )
                await bob.send(b"still here\n")
                expect(
                    await ann.until_line(b"bob: still here\n"),
                    saw=f"after sid was disconnected, bob sent b'still here\\n' and ann got {saw_lines(ann)}"
                    f"{await chat.crashed()}",
                    expected="b'bob: still here\\n': the room goes on",
                )
        finally:
            silent.close()
        await ann.close()
        await settle(NAMING_TURNS)
        left = await chat.tasks_left()
    expect(
        left <= 0,
        saw=f"{left} task(s) still running once sid was disconnected and everyone else had left",
        expected="no task left behind by a client that left or was disconnected",
        mistake="the task that sends a client its lines is never cancelled (and awaited) when the client goes",
    )


@pytest.mark.category("correctness")
async def test_leaving_leaves_nothing(kata):
    """Clients that leave (close, half-close, reset, mid-line, before naming) leave no task behind; a client
    that closes its side is closed by the server; the others go on."""
    async with chatting(kata, streams=True, tasks=True) as chat:
        async with clients(chat, "ann", "bob") as (ann, bob):
            async with clients(chat, "cat", "dan", "eve", "fay", None) as (cat, dan, eve, fay, nobody):
                await cat.send(b"cat here\n")
                await ann.until_line(b"cat: cat here\n", within=units(1))
                await fay.send(b"half a li")
                await current_sandbox().turns(5)
                await asyncio.gather(cat.end(), nobody.end())
                dan.abort()
                await eve.close()
                await fay.close()
                closed = await cat.until_closed() and await nobody.until_closed()
                expect(
                    closed,
                    saw=f"a named and an unnamed client closed their side: the server closed "
                    f"{cat.server_closed() + nobody.server_closed()} of the 2 connections within {seconds(PATIENCE)}"
                    f"{await chat.crashed()}",
                    expected="the server closes each connection whose client has closed its side",
                    mistake="the handler returns without closing its writer: close it (or abort its transport)",
                )
            await settle(NAMING_TURNS)
            await ann.send(b"anyone?\n")
            got = await bob.until_line(b"ann: anyone?\n")
            expect(
                got,
                saw=f"after four clients left, ann sent b'anyone?\\n' and bob got {saw_lines(bob)}"
                f"{await chat.crashed()}",
                expected="b'ann: anyone?\\n': the room goes on",
                mistake="a client that left is still in the room, and writing to it failed",
            )
        await settle(NAMING_TURNS)
        left = await chat.tasks_left()
    expect(
        left <= 0,
        saw=f"{left} task(s) still running once every client had left (the server still open)",
        expected="every task made for a client ends once it has left",
        mistake="the task that sends a client its lines is never cancelled (and awaited) when the client "
        "leaves, or a handler waits on after its client's end of file",
    )


@pytest.mark.category("exceptions")
async def test_clients_that_vanish_raise_nothing(kata):
    """Clients that reset their connection or are disconnected, while lines flow to them, raise nothing in the
    server: no exception escapes a handler or a task."""
    count = big_lines()
    async with chatting(kata, outbox=OUTBOX, collect=True) as chat, clients(chat, "ann", "cat") as (ann, cat):
        silent = await SilentClient.connect(chat.port)
        try:
            await silent.send(b"sid\n")
            await settle(NAMING_TURNS)
            for number in range(5):
                await ann.send(f"line {number}\n".encode())
            cat.abort()  # reset, with lines on their way to it
            flooded = await flood(ann, count, units(5))  # a server that stalls behind sid fails a check of its own
            async with clients(chat, "bob") as (bob,):
                await bob.send(b"still here\n")
                got = await ann.until_line(b"bob: still here\n", within=megabytes_patience() if flooded else 0)
        finally:
            silent.close()
        await ann.close()
        await settle(NAMING_TURNS)
    expect(
        not chat.messages,
        saw="the event loop reported: " + "; ".join(chat.messages[:3]),
        expected="nothing: a client going away is part of a chat server's life",
        mistake="ConnectionResetError (or the error drain() raises once a connection is gone) escaped a handler "
        "or a client's task: catch ConnectionError where the client's lines are read and written, and await "
        "(or cancel) every task",
    )
    expect(
        got or not flooded,  # a server that stalls behind sid fails a check of its own for it
        saw=f"after cat reset and sid was disconnected, bob joined and sent b'still here\\n'; ann got "
        f"{short(ann.lines[-2:])}",
        expected="b'bob: still here\\n': the room goes on",
    )


@pytest.mark.category("correctness")
async def test_aclose_closes_everything(kata):
    """aclose() with named, unnamed and half-named clients, and one that reads nothing with megabytes waiting:
    when it returns, every connection is closed, no task is left, and no new client is accepted."""
    count = big_lines()
    async with chatting(kata, outbox=2 * count, streams=True) as chat:
        group = [await connect(chat) for _ in range(4)]
        silent = await SilentClient.connect(chat.port)
        try:
            await group[0].send(b"ann\n")
            await group[1].send(b"bob\n")
            await group[2].send(b"ca")
            await silent.send(b"sid\n")
            await settle(NAMING_TURNS)
            # sid backed up: the server has read ann's lines (bob has them). A server that stalls behind sid (a
            # check of its own fails it) is given half a second.
            await asyncio.gather(flood(group[0], count, units(5)), group[1].until_lines(count, within=units(5)))
            open_at_end: list[int] = []
            chat.closed = True
            call = KataCall(chat.server.aclose())

            def at_end() -> None:
                # The moment the judge learns aclose() ended: the talking clients' ends show a FIN or a reset at
                # once; sid's FIN waits behind megabytes queued for it, so it knocks (a closed end answers with a
                # reset, a moment later).
                open_at_end.extend(index for index, client in enumerate(group) if not client.server_closed())
                silent.knock()

            call.call.on_end.append(at_end)
            done, _ = await asyncio.wait([call.task], timeout=CLOSE_LIMIT)
            if not done:
                call.cancel()
            outcome = await call.outcome()
            expect(
                done and outcome.returned,
                saw=f"aclose() {outcome.describe() if done else f'had not returned after {seconds(CLOSE_LIMIT)}'}"
                f"{await chat.crashed()}",
                expected="it returns within moments",
                mistake="it waits for a client that reads nothing to take its lines (writer.close() and "
                "wait_closed() on it, or drain()): abort every connection (writer.transport.abort())"
                if not done
                else None,
            )
            if not await until(silent.disconnected, units(2)):
                open_at_end.append(4)
            names = ["ann", "bob", "a half-named client", "an unnamed client", "sid (reading nothing)"]
            expect(
                not open_at_end,
                saw=f"when aclose() returned, the connection(s) of {', '.join(names[i] for i in open_at_end)} "
                "were still open",
                expected="every client's connection closed before aclose() returns",
                mistake="only the listening socket is closed (server.close() and wait_closed() leave the "
                "connections open on 3.11, and wait for them on 3.12): disconnect every client, named or not, "
                "and wait for their handlers",
            )
        finally:
            silent.close()
            await asyncio.gather(*(client.close() for client in group))
        with contextlib.suppress(OSError, TimeoutError):
            late = await TalkClient.connect(chat.port)
            await late.close()
            expect(
                False,
                saw="a client could connect after aclose() had returned",
                expected="no new connection accepted",
                mistake="the listening server was not closed: server.close()",
            )
        left = await leaked_tasks()
    expect(
        left <= 0,
        saw=f"{left} task(s) still running after aclose() returned",
        expected="every task the server started ended before aclose() returns",
        mistake="tasks of the server's own (a client's sender, a handler) were not cancelled and awaited",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """Five clients chat at once: every line is delivered, and the event loop keeps running other tasks."""
    names = [f"c{index}" for index in range(5)]
    async with chatting(kata) as chat, clients(chat, *names) as group:
        async with LoopWatch() as watch:
            for number in range(10):
                await asyncio.gather(
                    *(client.send(f"{name} {number}\n".encode()) for client, name in zip(group, names, strict=True))
                )
            got = await asyncio.gather(*(client.until_lines(40) for client in group))
    watch.expect_free()
    expect(
        all(got),
        saw=f"5 clients each sent 10 lines: they got {[len(client.lines) for client in group]} lines"
        f"{await chat.crashed()}",
        expected="40 each",
    )
