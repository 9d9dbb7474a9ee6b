"""subprocess.Popen, its pipes read in worker threads that hand each line to the event loop through a queue; the
program killed and waited for in a thread."""

import asyncio
import subprocess


async def run_command(argv, *, timeout, on_line):
    loop = asyncio.get_running_loop()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = asyncio.Queue()

    def pump():
        for line in process.stdout:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    pumping = loop.run_in_executor(None, pump)
    errors = loop.run_in_executor(None, process.stderr.read)
    try:
        async with asyncio.timeout(timeout):
            while (line := await lines.get()) is not None:
                await on_line(line.removesuffix(b"\n").decode(errors="replace"))
            code = await asyncio.shield(loop.run_in_executor(None, process.wait))
            return code, (await asyncio.shield(errors)).decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
        await asyncio.gather(pumping, errors, return_exceptions=True)
        await loop.run_in_executor(None, process.wait)
        process.stdout.close()
        process.stderr.close()
