"""Hidden suite: framed.request_all(host, port, payloads, *, timeout, max_size).

The server is the judge's (harness.frames.FrameServer): it reads the client's frames itself, cuts its replies
into pieces a few loop turns apart, stalls, announces lengths too large, and closes midway; it sees whether the
next request came before a reply was whole, and whether the client had closed the connection when its call ended
(the sandbox's word on `wait_closed()` can only fail a check).
"""

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from harness import KataCall, LoopErrors, LoopWatch, expect, expect_no_leaked_tasks, run, seconds, short, units
from harness.checks import swallowed
from harness.frames import HOLD, FrameServer, Reply, frame
from harness.network import HOST, StreamWatch, refused_port

# The timeout of the checks that wait for it to pass. What must come before it (a reply sent at once, a header sent
# at once) has 0.12 s, over 2x the longest stall of a loaded machine (55 ms): a correct client is never timed out
# early, and a client that leaves part of the reply out of its timeout has read that part before it passes.
TIMEOUT = units(1.2)
# A request the server never answers ends at the timeout, plus a moment to close. The bound, 3 timeouts past it
# (0.48 s in all), is 4x the ideal; what it catches never ends (a stall lasts longer than any check).
LATE = 3 * TIMEOUT
# The per-request check: five replies of 0.05 s under a timeout of 0.15 s. Each reply is 0.1 s (the stall bound)
# within its timeout; all five take 0.25 s, 0.1 s past one timeout for all of them. Sleeps never end early and
# load only delays replies further, so one timeout around every request passes every run.
PER_REQUEST_TIMEOUT = units(1.5)
PER_REQUEST_DELAY = units(0.5)
BIG = 1 << 16
# Each example is a connection and up to a dozen pieces, each handed over on its own: ten of them, and the explicit
# ones first, keep the check well inside its budget on a loaded machine.
CUTS = settings(max_examples=10, phases=[Phase.explicit, Phase.generate])


def cut_reply(pieces: list[int]):
    """Replies (the payload reversed) cut at these offsets (of the frame: header included)."""

    def script(index: int, payload: bytes) -> Reply:
        return Reply(data=payload[::-1], cuts=tuple(pieces))

    return script


def replies_mistake(outcome, expected: list[bytes]) -> str | None:
    if outcome.error is not None:
        if isinstance(outcome.error, EOFError):
            return "readexactly raises IncompleteReadError when the connection ends early: raise ConnectionError"
        return None
    value = outcome.value
    if not isinstance(value, list) or len(value) != len(expected):
        return None
    if all(isinstance(got, bytes) and want.startswith(got) for got, want in zip(value, expected, strict=True)):
        return (
            "one read() returns whatever has arrived, which can be part of a frame: read exactly the 4 header "
            "bytes, then exactly the length they give (readexactly)"
        )
    return None


def sent_mistake(server: FrameServer) -> str:
    return (
        "each frame is the payload's length as 4 bytes, big-endian and unsigned (len(p).to_bytes(4, 'big') or "
        "struct.pack('>I', len(p))), then the payload itself"
    )


@pytest.mark.category("correctness")
@CUTS
@given(
    st.lists(st.binary(max_size=40), max_size=3),
    st.lists(st.integers(1, 44), max_size=3),
)
@example([b"ping", b"", b"\x00\n\xff" * 5], [1, 3, 4, 5])
@example([], [])
async def test_replies_in_order_however_cut(kata, payloads, cuts):
    """Any payloads (empty ones too) go out as frames, one at a time, and the replies, cut into any pieces, come
    back whole and in order."""
    async with FrameServer(cut_reply(cuts)) as server:
        outcome = await run(kata.request_all(server.host, server.port, payloads, timeout=units(30), max_size=BIG))
    expected = [payload[::-1] for payload in payloads]
    expect(
        outcome.returned and outcome.value == expected,
        saw=f"for payloads {short(payloads)}, replies cut at {cuts}, {outcome.describe()}{server.problems()}",
        expected=f"the replies {short(expected)}",
        mistake=replies_mistake(outcome, expected),
    )
    expect(
        server.payloads == payloads and len(server.connections) == (1 if payloads else 0),
        saw=f"the server read {short(server.payloads)} on {len(server.connections)} connection(s){server.problems()}",
        expected=f"the payloads {short(payloads)}, as frames, on one connection"
        + ("" if payloads else " (none: no connection at all)"),
        mistake="no payloads: return [] before connecting"
        if not payloads
        else "one connection for every payload"
        if len(server.connections) > 1
        else sent_mistake(server),
    )


@pytest.mark.category("correctness")
async def test_reply_of_exactly_max_size(kata):
    """A reply of exactly max_size bytes is accepted (max_size limits replies, not requests)."""
    payloads = [b"x" * 300, b"abc"]  # a request longer than max_size is fine
    async with FrameServer() as server:
        outcome = await run(kata.request_all(server.host, server.port, payloads, timeout=units(30), max_size=300))
    expected = [payload[::-1] for payload in payloads]
    expect(
        outcome.returned and outcome.value == expected,
        saw=f"with max_size=300, a request and a reply of 300 bytes, {outcome.describe()}",
        expected="both replies: a reply of exactly max_size bytes is allowed",
        mistake="the size check rejects a reply equal to max_size (use `>`, not `>=`), or checks the requests"
        if isinstance(outcome.error, ValueError)
        else replies_mistake(outcome, expected),
    )


@pytest.mark.category("correctness")
async def test_connection_closed_and_waited_for(kata):
    """When it returns, the server sees the connection closed, and it was waited for (wait_closed)."""
    payloads = [b"one", b"two"]
    async with FrameServer() as server:
        call = server.watch_end(kata.request_all(server.host, server.port, payloads, timeout=units(30), max_size=BIG))
        async with StreamWatch() as closing:
            outcome = await run(call)
    expect(
        outcome.returned and outcome.value == [b"eno", b"owt"],
        saw=outcome.describe() + server.problems(),
        expected="the replies [b'eno', b'owt']",
        mistake=replies_mistake(outcome, [b"eno", b"owt"]),
    )
    expect_closed(server, closing, outcome.describe())


def expect_closed(server: FrameServer, closing: StreamWatch, how: str) -> None:
    """Every connection closed by the client when its call ended, and waited for (the sandbox's word)."""
    closed = sum(bool(conn.closed_at_end) for conn in server.connections)
    waited = sum(conn.port in closing.waited for conn in server.connections)
    expect(
        closed == waited == len(server.connections),
        saw=f"when it ended ({how}), the server had seen {closed} of {len(server.connections)} connection(s) closed "
        f"by the client, and {waited} had been waited for with wait_closed()",
        expected="the connection closed, and waited for, before it returns or raises",
        mistake="call writer.close(), then await writer.wait_closed(), in a finally: block, so that it happens on "
        "every way out"
        if closed < len(server.connections)
        else "close() only starts closing: await writer.wait_closed() too (in a finally: block)",
    )


# --- one at a time, the loop free ----------------------------------------------------------------------------------


@pytest.mark.category("concurrency")
async def test_one_request_at_a_time(kata):
    """The next frame goes out only once the reply before it has been read whole."""
    payloads = [b"first", b"second", b"third"]
    async with FrameServer(cut_reply([2, 6])) as server:
        outcome = await run(kata.request_all(server.host, server.port, payloads, timeout=units(30), max_size=BIG))
    early = [request.payload for request in server.requests if request.early]
    expect(
        outcome.returned and outcome.value == [payload[::-1] for payload in payloads],
        saw=outcome.describe() + server.problems(),
        expected="the three replies, in order",
        mistake=replies_mistake(outcome, [payload[::-1] for payload in payloads]),
    )
    expect(
        not early,
        saw=f"the next request arrived before the reply to {short(early)} was whole",
        expected="each frame sent only once the reply before it has been read",
        mistake="all frames written first, then the replies read: the contract is one request at a time "
        "(write, drain, read the reply; then the next)",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While it waits for replies, the event loop keeps running other tasks: each reply is sent once the loop has
    had a turn after its request came, so code that waits for it in a blocking way holds the loop 0.3 s."""
    async with LoopWatch() as watch:

        def after_a_turn(index: int, payload: bytes) -> Reply:
            return Reply(data=payload, turn=watch)

        async with FrameServer(after_a_turn) as server:
            call = kata.request_all(server.host, server.port, [b"a", b"b", b"c"], timeout=units(30), max_size=BIG)
            outcome = await run(call)
    watch.expect_free()
    expect(
        outcome.returned and outcome.value == [b"a", b"b", b"c"],
        saw=outcome.describe() + server.problems(),
        expected="[b'a', b'b', b'c']",
    )


# --- timeouts ------------------------------------------------------------------------------------------------------


async def until_late(call: KataCall, timeout: float) -> bool:
    """Whether the call ended by timeout + LATE (if not, it is cancelled)."""
    ended = await call.until(lambda: False, timeout + LATE) or call.task.done()
    if not ended:
        call.cancel()
    return ended


@pytest.mark.category("timeout")
async def test_stalled_reply_times_out(kata):
    """The server never answers the second request: TimeoutError soon after the timeout, the connection closed."""

    def stalls(index: int, payload: bytes) -> Reply:
        return Reply(data=payload, stall=HOLD if index == 1 else 0.0)

    async with FrameServer(stalls) as server:
        call = KataCall(
            server.watch_end(kata.request_all(server.host, server.port, [b"a", b"b"], timeout=TIMEOUT, max_size=BIG))
        )
        ended = await until_late(call, TIMEOUT)
        outcome = await call.outcome()
        await expect_no_leaked_tasks(after="the timeout")
    expect(
        ended and isinstance(outcome.error, TimeoutError),
        saw=f"with the second reply never coming and a timeout of {seconds(TIMEOUT)}, "
        + (outcome.describe() if ended else f"it had not ended after {seconds(TIMEOUT + LATE)}"),
        expected=f"TimeoutError soon after {seconds(TIMEOUT)}",
        mistake="the reads are not under the timeout: `async with asyncio.timeout(timeout):` around drain() and "
        "both reads of each request"
        if not ended
        else None,
    )
    expect(
        all(conn.closed_at_end for conn in server.connections),
        saw="when it raised, the connection was still open",
        expected="the connection closed before it raises",
        mistake="close the connection in a finally: block",
    )


@pytest.mark.category("timeout")
async def test_timeout_is_per_request(kata):
    """Five replies that each take 0.05 s, with a timeout of 0.15 s: each is within it, so all come back."""
    # Each reply is 0.1 s within its timeout; all five take 0.1 s past one timeout for all (see PER_REQUEST_TIMEOUT).
    payloads = [b"a", b"b", b"c", b"d", b"e"]

    def slowish(index: int, payload: bytes) -> Reply:
        return Reply(data=payload, delay=PER_REQUEST_DELAY)

    async with FrameServer(slowish) as server:
        outcome = await run(
            kata.request_all(server.host, server.port, payloads, timeout=PER_REQUEST_TIMEOUT, max_size=BIG)
        )
    expect(
        outcome.returned and outcome.value == payloads,
        saw=f"with each reply taking {seconds(PER_REQUEST_DELAY)} and a timeout of {seconds(PER_REQUEST_TIMEOUT)}, "
        f"{outcome.describe()}",
        expected="the five replies: the timeout bounds each request, from its frame being written",
        mistake="one timeout around all the requests: start a new one for each request"
        if isinstance(outcome.error, TimeoutError)
        else None,
    )


@pytest.mark.category("timeout")
async def test_timeout_covers_the_whole_reply(kata):
    """The header comes at once, the rest of the reply never: TimeoutError soon after the timeout."""

    def half(index: int, payload: bytes) -> Reply:
        return Reply(data=b"0123456789", cuts=(6,), stall=HOLD)

    async with FrameServer(half) as server:
        call = KataCall(kata.request_all(server.host, server.port, [b"a"], timeout=TIMEOUT, max_size=BIG))
        ended = await until_late(call, TIMEOUT)
        outcome = await call.outcome()
    expect(
        ended and isinstance(outcome.error, TimeoutError),
        saw=f"with the reply's body stalling and a timeout of {seconds(TIMEOUT)}, "
        + (outcome.describe() if ended else f"it had not ended after {seconds(TIMEOUT + LATE)}"),
        expected=f"TimeoutError soon after {seconds(TIMEOUT)}",
        mistake="the timeout covers only part of the request: the whole reply, header and body, is under it"
        if not ended
        else None,
    )


# --- errors --------------------------------------------------------------------------------------------------------


@pytest.mark.category("exceptions")
async def test_oversized_reply_raises_at_once(kata):
    """A header announcing max_size + 1 bytes (and no body yet): ValueError at once, the connection closed."""

    def oversized(index: int, payload: bytes) -> Reply:
        return Reply(raw=(1001).to_bytes(4, "big") + b"x" * 10, stall=0.0)

    async with FrameServer(oversized) as server:
        call = server.watch_end(kata.request_all(server.host, server.port, [b"a"], timeout=units(10), max_size=1000))
        async with StreamWatch() as closing:
            call = KataCall(call)
            # A correct client raises within milliseconds; one that waits for the body waits for ever.
            ended = await call.until(lambda: False, units(5)) or call.task.done()
            if not ended:
                call.cancel()
            outcome = await call.outcome()
    expect(
        ended and isinstance(outcome.error, ValueError),
        saw=f"with max_size=1000 and a header announcing 1001 bytes (the body not sent), {outcome.describe()}",
        expected="ValueError as soon as the header is read",
        mistake="the body was waited for before the size was checked: check the length right after reading the header"
        if not ended or isinstance(outcome.error, TimeoutError)
        else None,
    )
    expect_closed(server, closing, outcome.describe())


@pytest.mark.category("exceptions")
async def test_server_closes_mid_frame(kata):
    """The server sends half a reply and closes: ConnectionError (not IncompleteReadError)."""

    def cut(index: int, payload: bytes) -> Reply:
        return Reply(raw=frame(b"0123456789")[:9], close=True)

    async with FrameServer(cut) as server:
        outcome = await run(kata.request_all(server.host, server.port, [b"a"], timeout=units(30), max_size=BIG))
    expect(
        isinstance(outcome.error, ConnectionError),
        saw=f"with the server closing in the middle of a reply, {outcome.describe()}",
        expected="ConnectionError",
        mistake="readexactly raises asyncio.IncompleteReadError when the connection ends early: catch it and raise "
        "ConnectionError"
        if isinstance(outcome.error, EOFError)
        else "a partial reply was returned: read exactly the length the header gives"
        if outcome.returned
        else None,
    )


@pytest.mark.category("exceptions")
async def test_server_closes_before_reply(kata):
    """The server reads the second request and closes without a reply: ConnectionError."""

    def closes(index: int, payload: bytes) -> Reply:
        return Reply(data=payload) if index == 0 else Reply(raw=b"", close=True)

    async with FrameServer(closes) as server:
        outcome = await run(kata.request_all(server.host, server.port, [b"a", b"b"], timeout=units(30), max_size=BIG))
    expect(
        isinstance(outcome.error, ConnectionError),
        saw=f"with the server closing instead of replying, {outcome.describe()}",
        expected="ConnectionError",
        mistake="readexactly raises asyncio.IncompleteReadError at end of file: raise ConnectionError instead"
        if isinstance(outcome.error, EOFError)
        else "a closed connection is not a reply: raise ConnectionError"
        if outcome.returned
        else None,
    )


@pytest.mark.category("exceptions")
async def test_connect_error_propagates(kata):
    """Nothing listens on the port: the OSError (ConnectionRefusedError) comes out as it is."""
    with refused_port() as port:
        async with LoopErrors() as loop_errors:
            outcome = await run(kata.request_all(HOST, port, [b"a"], timeout=units(30), max_size=BIG))
    expect(
        isinstance(outcome.error, ConnectionRefusedError),
        saw=f"connecting to a port where nothing listens, {outcome.describe()}",
        expected="ConnectionRefusedError, raised as it is",
        mistake="the connection error was caught or replaced: let it propagate",
    )
    loop_errors.expect_none()


@pytest.mark.category("exceptions")
async def test_cancelled_midway(kata):
    """Cancelled while waiting for a reply: it ends cancelled, the connection closed and waited for."""

    def stalls(index: int, payload: bytes) -> Reply:
        return Reply(data=payload, stall=HOLD)

    async with FrameServer(stalls) as server:
        # The timeout (1 s) is far from the cancellation, which comes as soon as the server has the request.
        call = server.watch_end(kata.request_all(server.host, server.port, [b"a"], timeout=units(10), max_size=BIG))
        async with StreamWatch() as closing:
            call = KataCall(call)
            await call.until(lambda: bool(server.requests), units(10))
            call.cancel()
            outcome = await call.outcome()
        await expect_no_leaked_tasks(after="the cancellation")
    expect(
        outcome.cancelled,
        saw=f"cancelled while waiting for a reply, {outcome.describe()}",
        expected="it ends cancelled",
        mistake=swallowed(outcome, "the CancelledError was caught and not raised again"),
    )
    expect_closed(server, closing, outcome.describe())
