"""Both streams in a TaskGroup under asyncio.timeout; lines read with readuntil, going on past the reader's limit
(LimitOverrunError); on_line's exception taken out of the group."""

import asyncio
import contextlib


async def read_line(stream):
    """The next line without its b"\\n", the last one without one, or None at the end."""
    parts = []
    while True:
        try:
            parts.append((await stream.readuntil(b"\n"))[:-1])
            return b"".join(parts)
        except asyncio.LimitOverrunError as error:
            parts.append(await stream.readexactly(error.consumed))
        except asyncio.IncompleteReadError as error:
            parts.append(error.partial)
            rest = b"".join(parts)
            return rest or None


async def run_command(argv, *, timeout, on_line):
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )

    async def lines():
        while (line := await read_line(process.stdout)) is not None:
            await on_line(line.decode("utf-8", errors="replace"))

    try:
        async with asyncio.timeout(timeout):
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(lines())
                    errors = group.create_task(process.stderr.read())
            except BaseExceptionGroup as failed:
                raise failed.exceptions[0] from None
            code = await process.wait()
        return code, errors.result().decode("utf-8", errors="replace")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await process.communicate()
