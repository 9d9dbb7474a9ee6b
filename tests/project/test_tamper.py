"""Hostile learner code: each technique that once forged a grade is tried here, in a kata that solves nothing. It
must score 0, change no file of the grader's, and leave the other katas of the same run, and later runs, as they
were. The learner's code runs in a sandbox process; the verdict is decided in the judge, which it cannot reach.
"""

import contextlib
import os
import subprocess
import sysconfig
from pathlib import Path

import pytest
from here import WORKSPACE

from grader import confine

pytestmark = pytest.mark.timeout(120)

PLUGIN = WORKSPACE.tests / "harness" / "plugin.py"
SOLUTION = WORKSPACE.solutions / "hello_coroutine.py"
SITE = Path(sysconfig.get_paths()["purelib"])
UNSOLVED = "\n\nasync def delayed_greeting(name, delay):\n    raise NotImplementedError\n"

ATTACKS = {
    # Forge the report the grader reads: from the current folder, or any grader's scratch folder, then exit.
    "forges_the_report": (
        "import glob, json, os\n"
        "for path in glob.glob('report.jsonl') + glob.glob('/tmp/kata-*/report.jsonl'):\n"
        "    with open(path, 'a') as report:\n"
        "        for name in ('greets_by_name', 'waits_the_delay', 'event_loop_stays_free',\n"
        "                     'greetings_wait_together', 'cancellation_is_not_swallowed'):\n"
        "            report.write(json.dumps({'check': name, 'passed': True}) + '\\n')\n"
        "os._exit(0)\n"
    ),
    # Reach the judge's own modules: the plugin's report function, the checks' expect.
    "rebinds_the_harness": (
        "import sys\n"
        "sys.modules['harness.plugin'].write_report = lambda **line: None\n"
        "sys.modules['harness.checks'].expect.__code__ = (lambda *a, **k: None).__code__\n"
    ),
    # Walk the garbage collector and the interpreter's frames for pytest's session.
    "searches_for_pytest": (
        "import gc, sys\n"
        "for thing in gc.get_objects():\n"
        "    if type(thing).__name__ in ('Session', 'PytestPluginManager'):\n"
        "        raise SystemExit('found the judge')\n"
        "for frame in sys._current_frames().values():\n"
        "    while frame is not None:\n"
        "        if 'pytest' in frame.f_code.co_filename:\n"
        "            raise SystemExit('found the judge')\n"
        "        frame = frame.f_back\n"
    ),
    # Rewrite the harness so that every later kata passes.
    "appends_to_the_harness": f"open({str(PLUGIN)!r}, 'a').write('\\n# forged\\n')\n",
    # A .pth file in the environment runs code in every later Python process, the grader's included.
    "drops_a_pth_file": f"open({str(SITE / 'forge.pth')!r}, 'w').write('import os\\n')\n",
    # Read the reference solution and run it as one's own.
    "reads_the_solution": f"exec(open({str(SOLUTION)!r}).read())\n",
    # ctypes reaches anything in the process's memory.
    "loads_ctypes": "import ctypes\nctypes.CDLL(None)\n",
    # A daemon that leaves the process group and outlives the kata, to forge or kill what comes next.
    "leaves_a_daemon": (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        while True:\n"
        "            for pid in os.listdir('/proc'):\n"
        "                if pid.isdigit() and int(pid) != os.getpid():\n"
        "                    try:\n"
        "                        os.kill(int(pid), 9)\n"
        "                    except Exception:\n"
        "                        pass\n"
        "            time.sleep(0.05)\n"
        "    os._exit(0)\n"
    ),
    # A fresh interpreter started by a process pool, to write where the sandbox itself may not.
    "writes_from_a_pool_worker": (
        "import multiprocessing\n"
        "for method in ('spawn', 'forkserver'):\n"
        "    worker = multiprocessing.get_context(method).Process(\n"
        f"        target=exec, args=(\"open({str(PLUGIN)!r}, 'a').write('# forged')\",)\n"
        "    )\n"
        "    worker.start()\n"
        "    worker.join()\n"
    ),
    # A pool worker told by the environment it inherits that it may write anywhere.
    "widens_a_pool_workers_rules": (
        "import multiprocessing, os\n"
        "os.environ.update(KATA_WRITABLE='/', KATA_HIDDEN='')\n"
        "if __name__ != '__mp_main__':\n"
        "    worker = multiprocessing.get_context('spawn').Process(\n"
        f"        target=exec, args=(\"open({str(PLUGIN)!r}, 'a').write('# forged')\",)\n"
        "    )\n"
        "    worker.start()\n"
        "    worker.join()\n"
    ),
    # A Python of its own, started without the sandbox's confinement, to write where the sandbox may not.
    "starts_an_unconfined_python": (
        "import subprocess, sys\n"
        f"subprocess.run([sys.executable, '-c', \"open({str(PLUGIN)!r}, 'a').write('# forged')\"])\n"
    ),
    # The same, past the process pools' own starter (its original, kept in its closure) and subprocess's audit.
    "starts_python_past_the_pool_starter": (
        "import multiprocessing.util, sys, time\n"
        "start = multiprocessing.util.spawnv_passfds.__closure__[0].cell_contents\n"
        f"forge = \"open({str(PLUGIN)!r}, 'a').write('# forged')\"\n"
        "start(sys.executable.encode(), [sys.executable, '-c', forge], ())\n"
        "time.sleep(1)\n"
    ),
    # A fresh copy of the module that starts programs, whose functions nobody has wrapped.
    "reimports_the_program_starter": ("import sys\ndel sys.modules['_posixsubprocess']\nimport _posixsubprocess\n"),
    # Thirty processes left behind, and a flood of output.
    "floods_and_forks": (
        "import os, sys, time\n"
        "for _ in range(30):\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(3600)\n"
        "        os._exit(0)\n"
        "sys.stdout.write('x' * (50 << 20))\n"
    ),
}


def sandbox_processes() -> list[str]:
    """Processes of sandboxes, anywhere on the machine: each carries its sandbox's token in the environment it
    started with (the sandbox zygote, whose token is a placeholder, is no sandbox). The project's tests run one at a
    time: once a grader has exited, none should be left."""
    marked, placeholder = f"{confine.TOKEN}=".encode(), f"{confine.TOKEN}={confine.UNMARKED}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            variables = (entry / "environ").read_bytes().split(b"\0") if entry.name.isdigit() else []
            if any(variable.startswith(marked) and variable != placeholder for variable in variables):
                found.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()!r}")
    return found


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_code_scores_nothing_and_changes_nothing(attack, learner_copy, grade_json):
    plugin_before = PLUGIN.read_bytes()
    (learner_copy / "hello_coroutine.py").write_text(ATTACKS[attack] + UNSOLVED)
    code, report = grade_json("hello_coroutine", "gather_results", "--target", str(learner_copy))
    verdicts = {kata["name"]: kata for kata in report["katas"]}
    attacked = verdicts["hello_coroutine"]
    assert code == 1
    assert attacked["score"] == 0 and attacked["status"] != "passed", attacked
    assert not any(check["passed"] for check in attacked["checks"]), attacked
    assert verdicts["gather_results"]["status"] == "passed", verdicts["gather_results"]
    assert PLUGIN.read_bytes() == plugin_before
    assert not (SITE / "forge.pth").exists()
    assert sandbox_processes() == []
    # A later run is as it would have been.
    code, report = grade_json("hello_coroutine", "--target", "solutions")
    assert code == 0 and report["katas"][0]["status"] == "passed"


def test_what_the_sandbox_refuses_is_named_to_the_learner(learner_copy, grade_json):
    (learner_copy / "hello_coroutine.py").write_text(ATTACKS["reads_the_solution"] + UNSOLVED)
    _, report = grade_json("hello_coroutine", "--target", str(learner_copy))
    (kata,) = report["katas"]
    assert kata["status"] == "error" and "sandbox refused reading" in kata["reason"], kata["reason"]


@pytest.mark.skipif(not confine.own_network_available(), reason="no network namespace of its own here (not root?)")
def test_the_learner_code_sees_no_network_but_loopback(learner_copy, grade_json):
    """Its greeting is right only where the sandbox's network has a single interface, loopback."""
    (learner_copy / "hello_coroutine.py").write_text(
        "import asyncio, socket\n\n"
        "ALONE = [name for _, name in socket.if_nameindex()] == ['lo']\n\n"
        "async def delayed_greeting(name, delay):\n"
        "    await asyncio.sleep(delay)\n"
        "    return f'Hello, {name}!' if ALONE else 'a network beside loopback'\n"
    )
    _, report = grade_json("hello_coroutine", "--target", str(learner_copy))
    assert report["katas"][0]["status"] == "passed", report["katas"][0]


DISARMS_THE_HOOK = (
    "import asyncio, gc, os\nfrom pathlib import Path\n\n"
    "for policy in [thing for thing in gc.get_objects() if type(thing).__name__ == 'Policy']:\n"
    "    policy.decide = lambda event, args: None\n"
    "if os.fork() == 0:  # a daemon without the sandbox's token, out of its process group\n"
    "    os.setsid()\n"
    "    os.execvpe('sleep', ['sleep', '3607'], {'PATH': os.environ['PATH']})\n"
    "GOT_THROUGH = []\n"
    f"for attempt in (lambda: open({str(SOLUTION)!r}).read(), lambda: open({str(PLUGIN)!r}, 'a'),\n"
    f"                lambda: open({str(SITE / 'forge.pth')!r}, 'w'),\n"
    f"                lambda: os.listdir({str(WORKSPACE.tests)!r}), lambda: os.kill(os.getppid(), 0)):\n"
    "    try:\n"
    "        attempt()\n"
    "        GOT_THROUGH.append(attempt)\n"
    "    except OSError:\n"
    "        pass\n\n"
    "async def delayed_greeting(name, delay):\n"
    "    await asyncio.sleep(delay)\n"
    "    return f'Hello, {name}!' if os.getuid() != 0 and not GOT_THROUGH else f'got through: {GOT_THROUGH}'\n"
)


@pytest.mark.skipif(
    os.geteuid() != 0 or not confine.runs_as_other_user(), reason="the sandbox has no user of its own here (not root?)"
)
def test_the_kernel_refuses_what_the_hook_refuses_once_the_hook_is_disarmed(learner_copy, grade_json):
    """As root, the sandbox runs as a user of its own, in a view where the suites and solutions are covered: with
    every decision of the audit hook made "allowed", reading the solution, writing the harness or into the venv,
    listing the suites and signalling the judge still fail, and a daemon started without the sandbox's token is
    killed with the rest of its user's processes. Its greeting is right only if every attempt failed."""
    plugin_before = PLUGIN.read_bytes()
    (learner_copy / "hello_coroutine.py").write_text(DISARMS_THE_HOOK)
    _, report = grade_json("hello_coroutine", "--target", str(learner_copy))
    assert report["katas"][0]["status"] == "passed", report["katas"][0]
    assert PLUGIN.read_bytes() == plugin_before
    assert not (SITE / "forge.pth").exists()
    running = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout.splitlines()
    assert "sleep 3607" not in running
