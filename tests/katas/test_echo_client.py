"""Hidden suite: echo_client.echo_all(host, port, messages)."""

from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import LoopErrors, LoopWatch, Stopwatch, expect, expect_no_leaked_tasks, run, seconds, settle, short, units
from harness.inputs import text
from harness.network import HOST, EchoPeer, LoopHold, StreamWatch, refused_port
from harness.timing import real_sleep

# Any unicode but the newline that ends a line: empty, padded with spaces, tabs and carriage returns included.
messages_strategy = st.lists(text(8), max_size=6)


@pytest.fixture(autouse=True)
def loop_never_held():
    """Code that held the event loop for good in one check would hold it again in the next: fail at once."""
    expect(
        not LoopHold.ever,
        saw="in an earlier check, your code held the event loop for good (a loop that never paused) and was "
        "stopped: this check did not run it again",
        expected="every wait awaited, so the event loop keeps running",
        mistake="a loop around a read that returns b'' at once (the connection is closed) never ends: stop when "
        "a read returns b''",
    )


def noted(peer: EchoPeer) -> str:
    """What the server gave up waiting for, if anything: often the clearest clue."""
    problems = [conn.problem for conn in peer.connections if conn.problem]
    return f"; the server noted: {problems[0]}" if problems else ""


def error_mistake(outcome) -> str | None:
    """The usual cause of an exception out of the learner's code in these checks."""
    if isinstance(outcome.error, UnicodeEncodeError):
        return "messages are any unicode text: encode them as UTF-8 (message.encode())"
    if isinstance(outcome.error, UnicodeDecodeError):
        return (
            "a reply could not be decoded: a reply read in pieces can be cut inside a character. Read the whole "
            "line (readline()), then decode it as UTF-8 (.decode())"
        )
    return None


def reply_mistake(outcome, messages: list[str], peer: EchoPeer) -> str | None:
    """The usual cause of wrong replies, judged from what came back and what the server saw."""
    if outcome.error is not None:
        return error_mistake(outcome)
    troubles = {conn.trouble for conn in peer.connections}
    if "no_newline" in troubles:
        return "each message must be sent followed by b'\\n': the server reads a line, and waits for its end"
    if not isinstance(outcome.value, list) or len(outcome.value) != len(messages):
        return None
    replies = outcome.value
    if replies == [message.strip() for message in messages]:
        return "strip() removes spaces too: remove only the final newline (removesuffix('\\n'), or [:-1])"
    if replies == [message + "\n" for message in messages]:
        return "the newline that ends each reply was left on it"
    if Counter(map(repr, replies)) == Counter(map(repr, messages)):
        return "replies collected in the order they arrived, rather than in message order"
    if any(replies) and all(
        isinstance(reply, str) and message.startswith(reply) for reply, message in zip(replies, messages, strict=False)
    ):
        return (
            "a single read() returns whatever has arrived so far, which can be part of the line: "
            "readline() reads up to and including the newline"
        )
    return None


def refused_mistake(outcome) -> str:
    if isinstance(outcome.error, BaseExceptionGroup):
        return "a TaskGroup's ExceptionGroup came out as it is: catch it (except*) and raise the error inside"
    if outcome.returned:
        return "the connection error was caught and a value returned instead: let it propagate"
    return "the connection error was replaced by another exception"


@pytest.mark.category("correctness")
@given(messages_strategy)
@example(["hello", "", " padded ", " héllo wörld ", "日本語 ✓"])
@example([])
async def test_echoes_any_message(kata, messages):
    """Any messages (unicode, empty, padded with spaces) go out one per connection and come back as they were."""
    async with EchoPeer() as peer:
        outcome = await run(kata.echo_all(peer.host, peer.port, messages))
    expect(
        outcome.returned and outcome.value == messages,
        saw=f"for messages {short(messages)}, {outcome.describe()}{noted(peer)}",
        expected=f"the replies of an echo server, {short(messages)}",
        mistake=reply_mistake(outcome, messages, peer),
    )
    sent = [message.encode() + b"\n" for message in messages]
    expect(
        Counter(peer.lines) == Counter(sent) and not any(conn.extra for conn in peer.connections),
        saw=f"the server received {short([conn.received for conn in peer.connections])}, "
        f"on {len(peer.connections)} connection(s)",
        expected=f"one connection per message, each sending its message as one line: {short(sent)}",
        mistake="the messages were not each sent, UTF-8 encoded and ending in b'\\n', on a connection of their own",
    )


@pytest.mark.category("correctness")
async def test_replies_in_message_order(kata):
    """Replies that arrive last message first still come back in message order."""
    messages = ["first", "second", "third", "fourth"]
    # The server holds every reply until all four lines are in, then answers fourth, third, second, first.
    async with EchoPeer(gather=len(messages), order=messages[::-1]) as peer:
        outcome = await run(kata.echo_all(peer.host, peer.port, messages))
    expect(
        outcome.returned and outcome.value == messages,
        saw=f"with replies arriving last message first, {outcome.describe()}{noted(peer)}",
        expected=f"the replies in message order, {short(messages)}",
        mistake=reply_mistake(outcome, messages, peer),
    )


@pytest.mark.category("correctness")
async def test_every_connection_closed(kata):
    """After it returns, the server sees every connection closed by the client."""
    messages = ["one", "two", "three"]
    async with EchoPeer() as peer:
        outcome = await run(kata.echo_all(peer.host, peer.port, messages))
        await peer.until_ended()  # a closed connection reaches the server a few loop iterations later
    expect(
        outcome.returned and outcome.value == messages,
        saw=f"{outcome.describe()}{noted(peer)}",
        expected=f"the replies {short(messages)}",
        mistake=reply_mistake(outcome, messages, peer),
    )
    still_open = [conn for conn in peer.connections if not conn.closed_by_client]
    expect(
        len(peer.connections) == len(messages) and not still_open,
        saw=f"{len(peer.connections)} connection(s), {len(still_open)} of them not closed by the client{noted(peer)}",
        expected=f"{len(messages)} connections, each closed by the client once its reply is read",
        mistake="the connection is never closed: call writer.close() (then await writer.wait_closed())",
    )


@pytest.mark.category("correctness")
async def test_waits_until_closed(kata):
    """Every connection is closed and waited for (await writer.wait_closed()) by the time it returns."""
    messages = ["one", "two", "three"]
    async with EchoPeer() as peer:
        call = kata.echo_all(peer.host, peer.port, messages)
        peer.watch_end(call)  # the moment it returns: later, a close may have completed by itself
        async with StreamWatch() as closing:
            outcome = await run(call)
    expect(
        outcome.returned and outcome.value == messages,
        saw=f"{outcome.describe()}{noted(peer)}",
        expected=f"the replies {short(messages)}",
        mistake=reply_mistake(outcome, messages, peer),
    )
    # Closed: the server had the client's FIN (or reset) when the judge learned the call ended; on loopback a
    # close delivers it at once. Waited for: the sandbox's word, which can only fail the check.
    closed = sum(bool(conn.closed_at_end) for conn in peer.connections)
    waited = sum(conn.port in closing.waited for conn in peer.connections)
    if closed < len(peer.connections):
        mistake = (
            "a connection was still open when it returned: call writer.close(), then await writer.wait_closed(), "
            "before returning"
        )
    else:
        mistake = (
            "close() only starts closing the connection (and one never closed is closed only when it is "
            "garbage): call writer.close(), then await writer.wait_closed(), which waits until it is closed "
            "(in a finally: block, it happens on every path)"
        )
    expect(
        len(peer.connections) == len(messages) and closed == waited == len(peer.connections),
        saw=f"when it returned, the server had seen {closed} of its {len(peer.connections)} connection(s) closed "
        f"by the client, and {waited} had been waited for with wait_closed()",
        expected=f"{len(messages)} connections, each closed and waited for before it returns",
        mistake=mistake,
    )


@pytest.mark.category("concurrency")
async def test_connections_run_at_once(kata):
    """Ten messages to a server answering after 0.1 s: all ten wait at once, about 0.1 s in all, not 1 s."""
    messages = [f"message {index}" for index in range(10)]
    delay = units(1)
    # The server holds every reply until all ten lines are in (at most 0.3 s), then answers each after 0.1 s.
    async with EchoPeer(delay=delay, gather=len(messages)) as peer:
        with Stopwatch() as watch:
            outcome = await run(kata.echo_all(peer.host, peer.port, messages))
    expect(
        outcome.returned and outcome.value == messages,
        saw=f"{outcome.describe()}{noted(peer)}",
        expected="the ten replies, in message order",
        mistake=reply_mistake(outcome, messages, peer),
    )
    # All at once: 0.1 s. One connection after another: 0.3 s at the gate, then 10 x 0.1 s = 1.3 s. The bound
    # is 4x the one and 3.25x short of the other; the peak count of lines waiting at once is exact.
    bound = units(4)
    at_once = peer.peak >= len(messages)
    expect(
        at_once and watch.elapsed <= bound,
        saw=f"{len(messages)} messages to a server answering after {seconds(delay)} took {seconds(watch.elapsed)} "
        f"in all, and at most {peer.peak} waited for their reply at once",
        expected=f"all {len(messages)} connections waiting at once, done in under {seconds(bound)}",
        mistake="each connection waits for its reply before the next one opens: start them all before awaiting "
        "any (asyncio.gather, or create_task for each and then await them)"
        if peer.peak <= 1
        else f"only {peer.peak} at a time: a limit (a Semaphore?) or batches hold the others back, and the "
        "contract wants every connection open at once"
        if not at_once
        else "they all started, but something blocked the event loop (time.sleep, or a blocking socket?)",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the connections wait for their replies, the event loop keeps running other tasks."""
    async with EchoPeer(delay=units(2)) as peer:
        call = kata.echo_all(peer.host, peer.port, ["a", "b", "c"])  # first: the sandbox the watch is to ping
        async with LoopWatch() as watch:
            outcome = await run(call)
    watch.expect_free()
    expect(
        outcome.returned,
        saw=f"{outcome.describe()}{noted(peer)}",
        expected="a list of three replies",
        mistake=error_mistake(outcome),
    )


@pytest.mark.category("exceptions")
async def test_connection_error_propagates(kata):
    """Nothing listens on the port: the OSError (ConnectionRefusedError) comes out as it is."""
    with refused_port() as port:
        outcome = await run(kata.echo_all(HOST, port, ["a", "b", "c"]))
    expect(
        isinstance(outcome.error, OSError),
        saw=f"connecting to a port where nothing listens, {outcome.describe()}",
        expected="the connection error, an OSError such as ConnectionRefusedError, raised as it is",
        mistake=refused_mistake(outcome),
    )


@pytest.mark.category("exceptions")
async def test_no_failure_left_unretrieved(kata):
    """Every connection is refused: one error propagates and none is left unretrieved in a task."""
    with refused_port() as port:
        async with LoopErrors() as loop_errors:
            outcome = await run(kata.echo_all(HOST, port, ["a", "b", "c", "d", "e"]))
            await settle(20)
            await real_sleep(units(0.5))  # every connection attempt has failed by now
        await expect_no_leaked_tasks(after="the connection error")
    expect(
        isinstance(outcome.error, OSError),
        saw=outcome.describe(),
        expected="a connection error, raised as it is",
        mistake=refused_mistake(outcome),
    )
    loop_errors.expect_none()
