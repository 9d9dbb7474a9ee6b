"""The pieces the sealed judge rests on, tested directly: the wire's codec and framing, and the sandbox's policy."""

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from grader import confine, mounts, wire
from grader.confine import Policy

LENT = object()


def codec_pair() -> tuple[wire.Codec, wire.Codec, dict]:
    """Two codecs as the judge and the sandbox hold them: the judge lends objects, the sandbox sends them back."""
    judge_objects: dict[int, object] = {}

    def export(value):
        judge_objects[id(value)] = value
        return {"owner": "judge", "id": id(value)}

    def judge_imported(ref):
        if ref.get("owner") != "judge" or ref.get("id") not in judge_objects:
            raise wire.WireError("never sent")
        return judge_objects[ref["id"]]

    class StandIn:
        def __init__(self, ref):
            self.__kata_ref__ = ref

    def sandbox_origin(value):
        return getattr(value, "__dict__", {}).get("__kata_ref__")

    judge = wire.Codec("judge", export, judge_imported, lambda value: None, lend_errors=True)
    sandbox = wire.Codec("sandbox", lambda value: {"owner": "sandbox", "id": 0}, StandIn, sandbox_origin)
    return judge, sandbox, judge_objects


VALUES = [
    None,
    True,
    -6,
    2**80,
    1.5,
    float("inf"),
    "héllo 🔑",
    b"\x00\xff",
    bytearray(b"ab"),
    (1, (2, "x")),
    [1, [2, None]],
    {1, "a"},
    frozenset({2}),
    {("k", 1): [b"v"], "plain": {}},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_values_cross_as_equal_values_of_the_same_type(value):
    judge, sandbox, _ = codec_pair()
    back = judge.decode(sandbox.encode(value))
    assert type(back) is type(value) and (back == value or value != value)


def test_lent_objects_and_exceptions_come_back_as_the_very_object():
    judge, sandbox, _ = codec_pair()
    failure = LookupError("no such key")
    stand_in, error = sandbox.decode(judge.encode([LENT, failure]))
    assert isinstance(error, LookupError) and str(error) == "no such key"
    group = ExceptionGroup("two", [error, ValueError("own")])
    back_lent, back_group = judge.decode(sandbox.encode([stand_in, group]))
    assert back_lent is LENT
    assert isinstance(back_group, ExceptionGroup) and back_group.exceptions[0] is failure
    assert type(back_group.exceptions[1]) is ValueError


def test_unknown_exception_types_keep_their_name_and_nearest_base():
    judge, sandbox, _ = codec_pair()

    class ShortRead(ConnectionError):
        pass

    rebuilt = judge.decode(sandbox.encode(ShortRead("gone")))
    assert type(rebuilt).__name__ == "ShortRead" and isinstance(rebuilt, ConnectionError) and str(rebuilt) == "gone"
    assert isinstance(judge.decode(sandbox.encode(asyncio.CancelledError())), asyncio.CancelledError)


@pytest.mark.parametrize(
    "data",
    [
        {"$ref": {"owner": "judge", "id": 12345}},  # never lent
        {"$eval": "__import__('os')"},
        {"$tuple": "not a list"},
        {"$bytes": "!!!"},
        {"$set": [[1, 2]]},  # unhashable
        {"$float": "1e999x"},
        {"a": 1, "b": 2},
    ],
    ids=repr,
)
def test_malformed_data_is_a_wire_error(data):
    judge, _, _ = codec_pair()
    with pytest.raises(wire.WireError):
        judge.decode(data)


def test_framing_caps_and_validates_lines():
    reader = wire.LineReader()
    assert reader.feed(b'{"op":"a"}\n{"op"') == [{"op": "a"}]
    assert reader.feed(b':"b"}\n') == [{"op": "b"}]
    for bad in (b"[1]\n", b"nope\n", b'{"no_op":1}\n'):
        with pytest.raises(wire.WireError):
            wire.LineReader().feed(bad)
    with pytest.raises(wire.WireError):
        wire.LineReader().feed(b"x" * (wire.MAX_LINE + 1))
    with pytest.raises(wire.WireError):
        wire.dumps({"op": "big", "text": "x" * wire.MAX_LINE})
    with pytest.raises(wire.WireError):
        codec_pair()[1].encode(list(range(wire.MAX_ITEMS + 1)))


def test_sandbox_policy_decisions(tmp_path):
    hidden, work = tmp_path / "tests", tmp_path / "work"
    hidden.mkdir()
    work.mkdir()
    policy = Policy([hidden], [work], str(work / "judge.sock"))
    assert policy.decide("open", (str(work / "notes.txt"), "w", 0)) is None
    assert policy.decide("open", ("/etc/hostname", "r", os.O_RDONLY)) is None
    assert "writing" in policy.decide("open", (str(tmp_path / "elsewhere"), "a", 0))
    assert "reading" in policy.decide("open", (str(hidden / "suite.py"), "r", os.O_RDONLY))
    assert "ctypes" in policy.decide("ctypes.dlopen", ("libc.so.6", 0))
    assert "program" in policy.decide("subprocess.Popen", ("/bin/sh", ["sh"], None, None))
    assert "program" in policy.decide("subprocess.Popen", ("sh", ["sh"], None, None))  # found on PATH
    assert policy.decide("socket.connect", (FakeSocket(2), ("127.0.0.1", 80))) is None
    assert "loopback" in policy.decide("socket.connect", (FakeSocket(2), ("10.0.0.1", 80)))
    assert "local socket" in policy.decide("socket.connect", (FakeSocket(1), "/run/other.sock"))
    assert policy.decide("socket.connect", (FakeSocket(1), str(work / "judge.sock"))) is None
    assert "signalling" in policy.decide("os.kill", (1, 9))
    assert Path(work).exists()


def test_python_starts_only_isolated_and_confined(tmp_path):
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "program.py").write_text("pass\n")
    policy = Policy([], [tmp_path / "work"], "", [programs])
    worker = policy.prelude + "from multiprocessing.spawn import spawn_main"
    pool_worker = [sys.executable, "-B", "-I", "-X", "utf8", "-c", worker, "--multiprocessing-fork"]
    assert policy.decide("subprocess.Popen", (sys.executable, pool_worker, None, None)) is None
    assert policy.decide("os.posix_spawn", (sys.executable, pool_worker, {confine.TOKEN: "1"})) is None
    judges_program = [sys.executable, "-I", "-S", str(programs / "program.py"), "1"]
    assert policy.decide("subprocess.Popen", (sys.executable, judges_program, None, None)) is None
    missing = str(programs / "no-such-program")  # starting it fails as it would anywhere: FileNotFoundError
    assert policy.decide("subprocess.Popen", (missing, [missing], None, None)) is None
    elsewhere = str(tmp_path / "no-such-program")
    assert "only Python" in policy.decide("subprocess.Popen", (elsewhere, [elsewhere], None, None))
    other_rules = Policy([], [tmp_path], "").prelude + "from multiprocessing.spawn import spawn_main"
    for argv in (
        [sys.executable, "-c", worker],  # not isolated: the learner's folder comes first on the path
        [sys.executable, "-I", "-c", "open('elsewhere', 'w')"],  # no confinement first
        [sys.executable, "-I", "-c", other_rules],  # rules other than the sandbox's own
        [sys.executable, "-I", "-W", "error::learner.Warning", "-c", worker],  # -W imports a module first
        [sys.executable, "-I", str(tmp_path / "script.py")],  # not a program of the judge's
    ):
        assert "Python" in policy.decide("os.exec", (sys.executable, argv, None)), argv
    assert "afresh" in policy.decide("import", ("_posixsubprocess", None, [], [], []))


class FakeSocket:
    def __init__(self, family: int) -> None:
        self.family = family


def test_a_call_is_made_where_it_is_decoded_and_only_by_the_side_that_makes_calls():
    judge, sandbox, _ = codec_pair()
    made = []

    def function(*args):
        made.append(args)
        return "made"

    data = judge.encode([wire.Call(function, 1, "a")])
    sandbox.calls = True
    sandbox._imported = lambda ref: function  # the stand-in of the judge's function
    assert sandbox.decode(data) == ["made"] and made == [(1, "a")]
    sandbox.calls = False
    with pytest.raises(wire.WireError):
        sandbox.decode(data)
    with pytest.raises(wire.WireError):
        judge.decode({"$call": [{"$ref": {"owner": "judge", "id": id(function)}}, []]})


def test_the_sandbox_view_binds_back_only_what_lies_behind_a_closed_folder():
    """A folder only root may enter is covered in the sandbox's view, with each needed path behind it bound back:
    the outermost such folder, whatever lies between; nothing for paths anyone may reach."""
    base = Path(tempfile.mkdtemp())  # not pytest's tmp_path: that lies in a closed folder of its own
    try:
        os.chmod(base, 0o755)
        closed = base / "closed"
        python = closed / "pyenv" / "versions" / "3.11"
        private = closed / "private" / "exercises"
        inside = python / "lib"
        for folder in (inside, private, base / "open" / "grader"):
            folder.mkdir(parents=True)
        os.chmod(closed, 0o700)
        os.chmod(private.parent, 0o700)  # a second closed folder on the way: passed over
        needed = [python, inside, private, base / "open" / "grader", base / "missing"]
        assert mounts.closed_folders(needed) == {closed: [private, python]}
    finally:
        shutil.rmtree(base)
