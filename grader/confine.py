"""What the sandbox process may do, set up on both sides: the judge prepares a folder, an environment and (as
root) a user of its own for each sandbox; the sandbox applies resource limits and an audit hook (PEP 578) before
the learner's module loads.

The audit hook names what it refuses, in the error the learner's code gets: writing outside the sandbox's own
folder, reading the hidden suites, the reference solutions and the grader's data, ctypes, starting programs other
than Python itself (process pools need it), and connecting anywhere but this machine's loopback, the judge's
socket and sockets in its own folder (a forkserver's). An audit hook is not a wall (code in the same process can
get around it); where the grader runs as root, the kernel enforces the same: the sandbox runs as a user of its
own, which owns nothing but its folder, in a view of the file system where what is hidden is covered
(grader/mounts.py), and every process of that user is killed after the kata (a daemon that left the process group
too).
"""

import contextlib
import fcntl
import ipaddress
import os
import re
import resource
import shutil
import signal
import socket
import sys
from pathlib import Path

FIRST_UID = 61000  # sandbox users: FIRST_UID + slot, one per sandbox running at once
SLOTS = 256
LOCKS = Path("/tmp/asyncio-katas-sandbox-users")

MEMORY = 2 << 30  # bytes of address space per process
FILE_SIZE = 16 << 20
OPEN_FILES = 256
PROCESSES = 128  # per sandbox user, only where it has a user of its own
CLONE_NEWNET = 0x40000000

HIDDEN = "KATA_HIDDEN"
WRITABLE = "KATA_WRITABLE"
PROGRAMS = "KATA_PROGRAMS"
TOKEN = "KATA_SANDBOX"  # every process of a sandbox carries it in its environment: how the judge finds them all
UNMARKED = "0" * 32  # a token's length: the sandbox zygote's, which each sandbox it forks overwrites (carry_token)


def hidden_paths(graded: Path | None) -> list[str]:
    """The suites, the solutions, the grader's data and the history that holds them all: never to be read by the
    learner's code (except the folder being graded: `--target solutions` grades the reference solutions themselves;
    not known yet, the solutions may be it)."""
    from .curriculum import PACKAGED_MANIFEST, NoWorkspace, Workspace

    found = [PACKAGED_MANIFEST]
    with contextlib.suppress(NoWorkspace):
        workspace = Workspace.find()  # the runner names it (KATAS_ROOT)
        found += [workspace.tests, workspace.manifest, workspace.root / ".git"]
        if graded is not None:
            found.append(workspace.solutions)
    if os.environ.get("KATA_TESTS"):
        found.append(Path(os.environ["KATA_TESTS"]))
    found = [path.resolve() for path in found if path.exists()]
    return [str(path) for path in found if graded is None or not graded.resolve().is_relative_to(path)]


def runs_as_other_user() -> bool:
    """Can this Python, and the grader, run as a user who owns nothing, in a view of the file system of its own
    (grader/mounts.py: it makes an interpreter under /root reachable)? Asked once per interpreter and grader (each
    kata's judge is a process of its own), the answer kept in root's lock folder."""
    import hashlib
    import subprocess

    from . import mounts

    python = f"{sys.prefix}:{os.path.realpath(sys.executable)}:{os.stat(sys.executable).st_mtime}"
    where = f"view:{python}:{Path(__file__).resolve()}"
    answer = LOCKS / f"runs-{hashlib.sha256(where.encode()).hexdigest()[:16]}"
    with contextlib.suppress(OSError):
        return answer.read_text() == "yes"
    try:
        finished = subprocess.run(
            [sys.executable, "-I", "-c", "import grader.agent"],
            preexec_fn=mounts.View(FIRST_UID + SLOTS, needed_paths(), hidden=[]),
            cwd="/",
            env={"PATH": os.environ.get("PATH", "")},
            capture_output=True,
            timeout=30,
        )
        runs = finished.returncode == 0
    except (OSError, subprocess.SubprocessError):
        runs = False
    with contextlib.suppress(OSError):
        LOCKS.mkdir(mode=0o700, exist_ok=True)
        staged = answer.with_name(f".{answer.name}.{os.getpid()}")
        staged.write_text("yes" if runs else "no")
        staged.replace(answer)
    return runs


def needed_paths(*more: Path) -> list[Path]:
    """What the sandbox must reach: the interpreter (the venv's and the one it stands for), the grader's package."""
    python = Path(sys.executable)
    return [python.parent, python, Path(sys.prefix), Path(sys.base_prefix), Path(__file__).parent, *more]


_own_network: list[bool] = []


def own_network_available() -> bool:
    """Can a kata's run get a network namespace of its own (root, and a kernel that allows it)? Asked once."""
    if not _own_network:
        import shutil
        import subprocess

        program = shutil.which("unshare")
        try:
            works = (
                os.geteuid() == 0
                and program is not None
                and subprocess.run([program, "--net", "--", "true"], capture_output=True, timeout=10).returncode == 0
            )
        except (OSError, subprocess.SubprocessError):
            works = False
        _own_network.append(works)
    return _own_network[0]


def own_network() -> None:
    """Move this process into a network namespace of its own, whose only interface is loopback (as root)."""
    _namespace_call("unshare", CLONE_NEWNET)
    loopback_up()


def join_network(descriptor: int) -> None:
    """Move this process into the network namespace `descriptor` refers to (a judge's), unless it is there."""
    if os.fstat(descriptor).st_ino != os.stat("/proc/self/ns/net").st_ino:
        _namespace_call("setns", descriptor, CLONE_NEWNET)


def _namespace_call(name: str, *arguments: int) -> None:
    """os.unshare or os.setns (Python 3.12), or libc's own before that."""
    if hasattr(os, name):
        getattr(os, name)(*arguments)
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*arguments) != 0:
        raise OSError(ctypes.get_errno(), f"{name}(CLONE_NEWNET) failed")


def loopback_up() -> None:
    """In a new network namespace, whose loopback starts down: bring it up (SIOCGIFFLAGS, SIOCSIFFLAGS)."""
    import fcntl
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, 0x8913, request)[:18])[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH", b"lo", flags | 0x1))


def kill_marked(token: str, uid: int | None) -> None:
    """Every process of a sandbox, wherever it went (a new session, a double fork): those that carry its token in
    their environment (a program started without it is refused), and as root every process of its user."""
    marker = f"{TOKEN}={token}".encode()
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
    if uid is not None:
        _kill_user(uid)


def carry_token(token: str) -> bool:
    """A sandbox forked from the sandbox zygote: put its token where the judge looks for it, the environment this
    process was started with (/proc/PID/environ: what the zygote started with, and every child forked from here
    inherits), over the zygote's placeholder; before the process changes its user. False where it could not (a
    process started afresh carries the token then); True where there is no /proc to look in."""
    memory = Path(f"/proc/{os.getpid()}/mem")  # not /proc/self: Docker's AppArmor profile refuses writing there
    if not memory.exists():
        return True
    unmarked = f"{TOKEN}={UNMARKED}".encode()
    try:
        after_name = Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
        start, end = int(after_name[47]), int(after_name[48])  # env_start and env_end, fields 50 and 51
        with open(memory, "r+b", buffering=0) as image:
            image.seek(start)
            where = image.read(end - start).index(unmarked) + len(unmarked) - len(UNMARKED)
            image.seek(start + where)
            image.write(token.encode())
    except (OSError, ValueError, IndexError):
        return False
    return True


def kill_left_behind(token: str, uid: int | None) -> None:
    """kill_marked, from outside the judge that held the sandbox's user, once that judge is gone: the user is killed
    only if no other sandbox has claimed it since (its claim killed whatever was left of this one)."""
    kill_marked(token, None)
    if uid is None or not FIRST_UID <= uid < FIRST_UID + SLOTS:
        return
    with contextlib.suppress(OSError), open(LOCKS / str(uid - FIRST_UID), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # claimed again, by a sandbox running now
        _kill_user(uid)


def _kill_user(uid: int) -> None:
    pid = os.fork()
    if pid == 0:  # a child that becomes the sandbox's user, then kills every process it may signal
        try:
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(3):
                os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class Confinement:
    """The judge's side: one per sandbox."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.workdir = scratch / "work"
        self.workdir.mkdir()
        # The sandbox reaches nothing but loopback, so it trusts no certificate authority: an empty folder of them
        # (SSL_CERT_DIR, read when a certificate is checked, never before) spares every TLS-capable client made in
        # it (an httpx.AsyncClient, say) loading a bundle of 150 (30-60 ms of CPU each time, more under load).
        self.certificates = scratch / "certificates"
        self.certificates.mkdir()
        # Programs the judge writes for the learner's code to run (a kata about running programs): the sandbox may
        # start Python on a script here, and read, never write, what is here.
        self.programs = scratch / "programs"
        self.programs.mkdir(mode=0o755)
        self.uid: int | None = None
        self.token = os.urandom(16).hex()
        self._lock = None
        if os.geteuid() == 0 and runs_as_other_user():
            self._claim_user()

    def _claim_user(self) -> None:
        LOCKS.mkdir(mode=0o700, exist_ok=True)
        for slot in range(SLOTS):
            handle = open(LOCKS / str(slot), "w")  # noqa: SIM115 - held until cleanup
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self._lock, self.uid = handle, FIRST_UID + slot
            self.kill_everything()  # whatever an earlier, killed grader left under this user
            return

    def prepare(self, side_socket: str) -> None:
        os.chmod(self.scratch, 0o711)
        if self.uid is not None:
            os.chown(self.workdir, self.uid, self.uid)
            os.chown(side_socket, self.uid, self.uid)
        os.chmod(self.workdir, 0o700)
        os.chmod(side_socket, 0o600)

    def environment(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "KATA_TIME_SCALE")
        env = {key: os.environ[key] for key in keep if key in os.environ}
        env.update(
            HOME=str(self.workdir),
            TMPDIR=str(self.workdir),
            PYTHONHASHSEED="0",
            SSL_CERT_DIR=str(self.certificates),
            **{TOKEN: self.token, WRITABLE: str(self.workdir), PROGRAMS: str(self.programs)},
        )
        if self.uid is not None:
            env["KATA_OWN_USER"] = "1"
        return env

    def view(self, graded: Path | None) -> dict | None:
        """The view of the file system the sandbox that will grade `graded` (None: not known yet) gets as root, as
        its own user, the hidden paths covered (grader/mounts.py's View); None where it runs as this user."""
        if self.uid is None:
            return None
        cover = self.scratch / "hidden"  # what a hidden file reads as: nothing, and only root may open it
        cover.touch(mode=0)
        needed = needed_paths(self.scratch, *([graded] if graded else []))
        return {
            "uid": self.uid,
            "needed": [str(path) for path in needed],
            "hidden": hidden_paths(graded),
            "empty_file": str(cover),
        }

    def kill_everything(self) -> None:
        kill_marked(self.token, self.uid)

    def cleanup(self) -> None:
        self.kill_everything()
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None


# --- the sandbox's side ------------------------------------------------------------------------------------------


def apply(settings: dict | None = None) -> None:
    """In the sandbox, before the learner's module loads, with the settings the judge put in its environment; and
    in every Python a process pool of the sandbox's starts (spawn, forkserver), before it unpickles anything, with
    the sandbox's own settings written into the program that starts it (by then the environment is the learner's
    code's to change)."""
    if settings is None:
        settings = {
            "hidden": [path for path in os.environ.get(HIDDEN, "").split(os.pathsep) if path],
            "writable": [os.environ.get(WRITABLE, os.getcwd())],
            "side_socket": os.environ.get("KATA_SIDE_SOCKET", ""),
            "programs": [os.environ[PROGRAMS]] if os.environ.get(PROGRAMS) else [],
        }
    limits = [
        (resource.RLIMIT_AS, MEMORY),
        (resource.RLIMIT_FSIZE, FILE_SIZE),
        (resource.RLIMIT_NOFILE, OPEN_FILES),
        (resource.RLIMIT_CORE, 0),
    ]
    if os.environ.get("KATA_OWN_USER"):
        limits.append((resource.RLIMIT_NPROC, PROCESSES))
    for kind, value in limits:
        with contextlib.suppress(ValueError, OSError):
            soft, hard = resource.getrlimit(kind)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (cap, cap))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file too large is an error in the code, not a kill
    policy = Policy(**settings)
    _audit_direct_starts()
    sys.addaudithook(policy.hook)
    _confine_new_interpreters(policy.prelude)


# Options of a Python started from the sandbox, as multiprocessing passes the sandbox's own on (-I among them:
# isolated, nothing importable from the learner's folder before the prelude). No -W: it may import a module.
_FLAGS = re.compile(r"-[BIsEPdqvbuROS]+")
_X_OPTIONS = {"faulthandler", "tracemalloc", "importtime", "frozen_modules", "showrefcount", "utf8", "dev"}
FRESH_IMPORTS_REFUSED = ("_posixsubprocess",)


def _options_read(argv) -> tuple[bool, list[str]]:
    """A Python command line's options read: (whether -I is among them, the words after them); (False, []) for an
    option not known to be harmless."""
    words = [os.fsdecode(word) for word in argv[1:]]
    isolated = False
    while words and words[0].startswith("-") and words[0] != "-c":
        word = words.pop(0)
        if word == "-X" and words and words[0].split("=")[0] in _X_OPTIONS:
            words.pop(0)
        elif _FLAGS.fullmatch(word):
            isolated |= "I" in word
        else:
            return False, []
    return isolated, words


def _audit_direct_starts() -> None:
    """subprocess raises its audit event itself, then calls _posixsubprocess.fork_exec, which raises none: called
    directly, it would start any program unseen. Every caller now gets one that raises the event first."""
    import _posixsubprocess
    import subprocess

    fork_exec = _posixsubprocess.fork_exec
    if getattr(fork_exec, "audited", False):
        return

    def audited_fork_exec(args, executable_list, *rest):
        cwd, env = rest[2], rest[3]  # env: b"NAME=value" items, or None
        environment = None if env is None else dict(item.split(b"=", 1) for item in env if b"=" in item)
        for executable in executable_list:
            sys.audit("subprocess.Popen", executable, list(args), cwd, environment)
        return fork_exec(args, executable_list, *rest)

    audited_fork_exec.audited = True
    _posixsubprocess.fork_exec = subprocess._fork_exec = audited_fork_exec


def _confine_new_interpreters(prelude: str) -> None:
    """multiprocessing starts its spawn workers and its forkserver through util.spawnv_passfds, with a `-c`
    program: each of them applies the same confinement (`prelude`) before it runs anything else."""
    import multiprocessing.util

    spawn = multiprocessing.util.spawnv_passfds
    if getattr(spawn, "confined", False):
        return

    def confined_spawnv_passfds(path, args, passfds):
        args = list(args)
        if "-c" in args[:-1]:
            program = args.index("-c") + 1
            args[program] = prelude + args[program]
        return spawn(path, args, passfds)

    confined_spawnv_passfds.confined = True
    multiprocessing.util.spawnv_passfds = confined_spawnv_passfds


class Refused(PermissionError):
    pass


class Policy:
    """The audit hook's rules, each a decision on one event: tested directly by the project's tests."""

    def __init__(self, hidden: list, writable: list, side_socket: str, programs: list = ()) -> None:
        self.hidden = [Path(path).resolve() for path in hidden]
        own = [Path(path).resolve() for path in writable]
        self.writable = own + [Path("/dev/null"), Path("/dev/shm")]
        self.programs = [Path(path).resolve() for path in programs]
        settings = {
            "hidden": [str(path) for path in self.hidden],
            "writable": [str(path) for path in own],
            "side_socket": side_socket,
            "programs": [str(path) for path in self.programs],
        }
        # Prefixed to the program of every Python a process pool starts from the sandbox: these very rules.
        self.prelude = f"import grader.confine; grader.confine.apply({settings!r}); "
        self.side_socket = side_socket
        self.python = {os.path.realpath(sys.executable), sys.executable}

    def hook(self, event: str, args: tuple) -> None:
        problem = self.decide(event, args)
        if problem:
            raise Refused(f"the grader's sandbox refused {problem}")

    def decide(self, event: str, args: tuple) -> str | None:
        if event == "open":
            return self._open(*args[:3])
        if event.startswith("ctypes."):
            return "ctypes: the learner's code runs without it"
        if event in ("subprocess.Popen", "os.exec", "os.posix_spawn"):
            return self._start(args[0], args[1], args[-1])
        if event == "import" and args and args[0] in FRESH_IMPORTS_REFUSED:
            return f"importing {args[0]} afresh: it starts programs unseen"
        if event in ("os.kill", "os.killpg"):
            return self._signal(event, args[0])
        if event == "socket.connect":
            return self._connect(args[0], args[1])
        if event in ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.symlink", "os.link"):
            for path in args[:2]:
                if isinstance(path, (str, bytes, os.PathLike)) and not self._may_write(path):
                    return f"changing {os.fsdecode(path)!r}: outside the sandbox's own folder"
        return None

    def _start(self, program, argv, env) -> str | None:
        """Only Python itself, isolated, in the sandbox's environment: confined before it runs anything (as a
        process pool starts it from here), or running one of the judge's programs. A program the judge named that
        does not exist is let through: starting it fails as it would anywhere (FileNotFoundError)."""
        program = program if program is not None else (argv[0] if argv else None)
        if program is not None and self._inside(program, self.programs) and not os.path.lexists(program):
            return None
        if program is None or os.path.realpath(os.fsdecode(program)) not in self.python:
            return f"starting the program {os.fsdecode(program or '')!r}: only Python itself may be started"
        if isinstance(env, dict) and env.get(TOKEN, env.get(TOKEN.encode())) is None:
            return "starting a program without the sandbox's environment"
        isolated, rest = _options_read(argv or [])
        if not isolated or not rest:
            return "starting Python without -I (isolated): it would import from the sandbox's folder first"
        if rest[0] == "-c" and len(rest) > 1 and rest[1].startswith(self.prelude):
            return None
        if rest[0] != "-c" and self._inside(rest[0], self.programs) and os.path.isfile(rest[0]):
            return None
        return "starting Python other than as a process pool's worker (multiprocessing, concurrent.futures)"

    @staticmethod
    def _signal(event: str, target: int) -> str | None:
        """Signals only within the sandbox's own process group (a pool stopping its workers)."""
        own = os.getpgid(0)
        try:
            group = target if event == "os.killpg" else (own if target in (0, -own) else os.getpgid(abs(target)))
        except OSError:
            return None  # no such process: the kill itself fails
        if target == -1 or group != own:
            return f"signalling process {target}: outside the sandbox's own processes"
        return None

    def _inside(self, path, roots: list[Path]) -> bool:
        try:
            resolved = Path(os.path.realpath(os.fsdecode(path)))
        except (TypeError, ValueError):
            return False
        return any(resolved == root or resolved.is_relative_to(root) for root in roots)

    def _may_write(self, path) -> bool:
        return self._inside(path, self.writable)

    def _open(self, path, mode, flags) -> str | None:
        if not isinstance(path, (str, bytes, os.PathLike)):
            return None  # an open file descriptor
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND)
        )
        if writing and not self._may_write(path):
            return f"writing to {os.fsdecode(path)!r}: outside the sandbox's own folder"
        if self._inside(path, self.hidden):
            return f"reading {os.fsdecode(path)!r}: the hidden suites, solutions and grader data are not to be read"
        return None

    def _connect(self, sock, address) -> str | None:
        family = getattr(sock, "family", None)
        if family == socket.AF_UNIX:
            if os.fsdecode(address) == self.side_socket or self._may_write(address):
                return None  # the judge's socket, or one of its own (a forkserver's, in its own folder)
            return f"connecting to the local socket {os.fsdecode(address)!r}"
        if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
            host = address[0]
            if host == "localhost":
                return None
            try:  # no name lookup here: a hook that opened files would be called again from inside itself
                if ipaddress.ip_address(host.split("%")[0]).is_loopback:
                    return None
            except ValueError:
                pass
            return f"connecting to {address[0]!r}: only this machine's loopback (127.0.0.1) is allowed"
        return None
