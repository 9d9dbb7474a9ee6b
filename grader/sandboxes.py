"""Sandbox processes forked from a zygote that has already imported asyncio and the agent, instead of each
starting Python afresh (about 70 ms of CPU a sandbox, most of what booting one costs).

The zygote is a fresh `python -I -B` that has seen nothing but the agent's imports: no suite, no solution, nothing
of a judge's. Each kata's judge process shares the one its own zygote started (grader/zygote.py), and any other
process that makes sandboxes starts one when it first needs it. Each child becomes a sandbox before it runs the
agent, as `subprocess.Popen` made one before: a session of its own, the judge's network, as root its own view of
the file system and its own user (grader/mounts.py), its output to the judge, the sandbox's folder and
environment.
"""

import atexit
import contextlib
import importlib
import os
import subprocess
import sys
import traceback
from pathlib import Path

from . import confine, zygote

PROGRAM = [sys.executable, "-I", "-B", "-c", "import grader.sandboxes; grader.sandboxes.main()"]
AGENT = "import os, sys, grader.agent; os._exit(grader.agent.main(sys.argv[1:]))"  # a sandbox started afresh
NETWORK = "/proc/self/ns/net"

_server: list[zygote.ForkServer] = []  # this process's, or the one inherited from the judges' zygote


def start_zygote() -> zygote.ForkServer:
    """Start this process's sandbox zygote (the processes it forks later share it), in place of any before it."""
    for old in _server:
        atexit.unregister(old.close)
        old.close()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}  # a sandbox's output goes to its judge
    env = {"PATH": os.environ.get("PATH", ""), confine.TOKEN: confine.UNMARKED}
    _server[:] = [zygote.ForkServer(PROGRAM, env=env, **quiet)]
    atexit.register(_server[0].close)
    return _server[0]


def current_zygote() -> zygote.ForkServer:
    return _server[0] if _server else start_zygote()


def spawn(*, channel: int, output: int, side_socket: str, cwd: Path, env: dict, view: dict | None) -> zygote.Forked:
    """A sandbox running the agent on `channel`, printing to `output`; in the view `view` describes (as root)."""
    request = {"side_socket": side_socket, "cwd": str(cwd), "env": env, "view": view}
    descriptors = [channel, output]
    network = os.open(NETWORK, os.O_RDONLY) if os.path.exists(NETWORK) else None
    if network is not None:
        descriptors.append(network)
    try:
        try:
            pid, status = current_zygote().fork(request, descriptors)
        except RuntimeError:  # the zygote died (killed from outside): a new one
            pid, status = start_zygote().fork(request, descriptors)
    finally:
        if network is not None:
            os.close(network)
    return zygote.Forked(pid, status)


def main() -> None:
    """The zygote: `python -I -B -c "import grader.sandboxes; grader.sandboxes.main()" CHANNEL LIFELINE`."""
    import socket

    import grader.agent  # noqa: F401  the point: each sandbox has it already
    from grader import mounts  # noqa: F401  what a sandbox imports next

    # The crawler kata's HTTP client (a dependency), and what its first request imports: 0.15-0.25 s of CPU.
    for module in ("httpx", "httpcore._async.http11", "httpcore._backends.anyio", "anyio._backends._asyncio"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)

    request, descriptors = zygote.serve(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]))
    try:
        become_sandbox(request, descriptors)
    except BaseException:  # noqa: BLE001 - told on the sandbox's output, which the judge shows
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(70)


def become_sandbox(request: dict, descriptors: list[int]) -> None:
    """In the zygote's child: the sandbox the judge asked for, then the agent."""
    from grader import agent, mounts

    channel, output, *network = descriptors
    os.setsid()  # the judge kills its whole group: pools and children included
    marked = confine.carry_token(request["env"][confine.TOKEN])  # and finds by it those that left the group
    null = os.open(os.devnull, os.O_RDONLY)
    for target, source in ((0, null), (1, output), (2, output)):
        os.dup2(source, target)
    os.close(null)
    os.close(output)
    for descriptor in network:  # the judge's own network (a namespace of its own, as root)
        confine.join_network(descriptor)
        os.close(descriptor)
    view = request["view"]
    if view is not None:
        empty_file = Path(view["empty_file"]) if view["empty_file"] else None
        mounts.View(view["uid"], [Path(path) for path in view["needed"]], view["hidden"], empty_file)()
    os.chdir(request["cwd"])
    arguments = [str(channel), request["side_socket"]]
    if not marked:  # the kernel would not let the token be written here: a Python started afresh carries it
        os.set_inheritable(channel, True)
        os.execve(sys.executable, [*PROGRAM[:4], AGENT, *arguments], request["env"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv[1:] = arguments
    os._exit(agent.main(arguments))
