"""A task per stream, asyncio.wait with a deadline on the loop's clock; on any way out, the tasks cancelled and
awaited, then the program killed, drained and reaped."""

import asyncio
import contextlib


async def run_command(argv, *, timeout, on_line):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )

    async def pump():
        buffer = bytearray()
        while True:
            chunk = await process.stdout.read(1 << 16)
            if not chunk:
                break
            buffer += chunk
            while (end := buffer.find(b"\n")) >= 0:
                line = bytes(buffer[:end])
                del buffer[: end + 1]
                await on_line(line.decode(errors="replace"))
        if buffer:
            await on_line(bytes(buffer).decode(errors="replace"))
        return await process.wait()

    reading = asyncio.create_task(pump())
    errors = asyncio.create_task(process.stderr.read())
    try:
        await asyncio.wait([reading], timeout=max(0.0, deadline - loop.time()))
        if not reading.done():
            raise TimeoutError
        code = reading.result()
        return code, (await errors).decode(errors="replace")
    finally:
        for task in (reading, errors):
            task.cancel()
        await asyncio.wait([reading, errors])
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await process.communicate()
