"""The wire between the judge and the sandbox: JSON lines, size-capped, and the codec for what crosses it.

Only data crosses: numbers, strings, bytes, None, lists, tuples, sets, dicts, exceptions (as their type's name,
message and arguments) and references. A reference names an object that stays on the side that owns it: a fake
the judge lends the learner's function, a server the learner's function returns. Sent back to its owner, a
reference is the very object again. Nothing received is ever unpickled or evaluated, and every message is
validated: a malformed one is a `WireError`, never a crash of the side that reads it.
"""

import base64
import builtins
import json
import math
import reprlib
from collections.abc import Callable
from typing import Any

MAX_LINE = 1 << 20  # one message, encoded
MAX_ITEMS = 100_000  # values in one message, all containers together
MAX_DEPTH = 40
TEXT_CAP = 2000  # characters of text the sandbox's code wrote about itself: a message, a repr, a place


class WireError(Exception):
    """A message that is not what the protocol allows."""


def cap(text: str, limit: int = TEXT_CAP) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_short = reprlib.Repr()
_short.maxstring = _short.maxother = 200


def short_repr(value: Any) -> str:
    try:
        return cap(_short.repr(value), 300)
    except Exception:  # a learner's __repr__ that raises
        return f"<{type(value).__name__} object>"


def dumps(message: dict) -> bytes:
    line = json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"
    if len(line) > MAX_LINE:
        raise WireError(f"a message of {len(line)} bytes, more than {MAX_LINE}")
    return line


class LineReader:
    """Bytes in, messages (dicts) out, in order. A line longer than MAX_LINE, or one that is not a JSON object,
    is a WireError: the stream is then spoiled and its sender is not to be trusted any further."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict]:
        self._buffer += data
        messages = []
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            messages.append(parse(line))
        if len(self._buffer) > MAX_LINE:
            raise WireError(f"a message longer than {MAX_LINE} bytes")
        return messages


def parse(line: bytes) -> dict:
    if len(line) > MAX_LINE:
        raise WireError(f"a message longer than {MAX_LINE} bytes")
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise WireError(f"a message that is not JSON: {error}") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise WireError("a message that is not an object with an 'op'")
    return message


# --- exceptions -------------------------------------------------------------------------------------------------

# Exception types outside builtins that both sides know by name, so that one crossing is that very type.
_KNOWN_MODULES = ("asyncio.exceptions", "concurrent.futures._base", "asyncio")


def _known_type(module: str, name: str) -> type[BaseException] | None:
    if module == "builtins":
        found = getattr(builtins, name, None)
    elif module in _KNOWN_MODULES:
        import asyncio
        import concurrent.futures

        found = getattr(asyncio, name, None) or getattr(concurrent.futures, name, None)
    else:
        found = None
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def _nearest_known(cls: type) -> type[BaseException]:
    for base in cls.__mro__:
        if _known_type(base.__module__, base.__name__) is base:
            return base
    return BaseException


_made_types: dict[tuple, type] = {}


def exception_type(module: str, qualname: str, base: str, base_module: str) -> type[BaseException]:
    """The type an exception that crossed is rebuilt as: the known type of that name, or a class made (once per
    name) with that name under the nearest known type it derives from, so that `except ValueError:` and
    isinstance work alike on both sides."""
    name = qualname.rpartition(".")[2]
    known = _known_type(module, name)
    if known is not None:
        return known
    parent = _known_type(base_module, base) or Exception
    key = (module, qualname, parent)
    if key not in _made_types:
        made = type(name, (parent,), {"__module__": module, "__qualname__": qualname})
        _made_types[key] = made
    return _made_types[key]


class Lent:
    """The objects one side lent the other, by number. Each is held here, so its id stays its own, and a number
    the other side sends back that was never lent is a WireError."""

    def __init__(self) -> None:
        self._objects: dict[int, Any] = {}
        self._numbers: dict[int, int] = {}

    def number(self, value: Any) -> int:
        if id(value) not in self._numbers:
            self._numbers[id(value)] = len(self._objects) + 1
            self._objects[self._numbers[id(value)]] = value
        return self._numbers[id(value)]

    def get(self, number: Any) -> Any:
        if not isinstance(number, int) or number not in self._objects:
            raise WireError("a reference to an object never lent")
        return self._objects[number]


# --- values -----------------------------------------------------------------------------------------------------


class Call:
    """`Call(function, *args)`, sent by the judge: the value the sandbox decodes is `function(*args)`, called
    there, with `function` an object the judge lends (its stand-in is called). An async function's call is a
    coroutine made in the sandbox, held by nothing but the learner's code that receives it (`spawn(coro)`).
    Only a codec made with `calls=True` (the sandbox's) makes such a call; the judge's refuses one."""

    def __init__(self, function: Any, *args: Any) -> None:
        self.function = function
        self.args = args


class Codec:
    """Turns values into data and back, for one side. `export(obj)` gives a reference to an object of this side
    (kept alive here until the side forgets it); `imported(ref)` turns the other side's reference into a local
    stand-in. `origin(obj)` says whether a stand-in (or rebuilt exception) came from the other side, and as what
    reference, so that it goes back as the very object."""

    def __init__(
        self,
        side: str,
        export: Callable[[Any], dict],
        imported: Callable[[dict], Any],
        origin: Callable[[Any], dict | None],
        where: Callable[[BaseException], str | None] = lambda error: None,
        lend_errors: bool = False,
        calls: bool = False,
    ) -> None:
        self.side = side
        self.lend_errors = lend_errors
        self.calls = calls
        self._export = export
        self._imported = imported
        self._origin = origin
        self._where = where

    # encoding

    def encode(self, value: Any) -> Any:
        return self._encode(value, [0], 0)

    def _count(self, budget: list[int], depth: int) -> None:
        budget[0] += 1
        if budget[0] > MAX_ITEMS or depth > MAX_DEPTH:
            raise WireError(f"a value too large to send (over {MAX_ITEMS} items or {MAX_DEPTH} levels deep)")

    def _encode(self, value: Any, budget: list[int], depth: int) -> Any:
        self._count(budget, depth)
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) is int:
            return value if abs(value) < 1 << 63 else {"$int": str(value)}
        if type(value) is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, BaseException):
            return {"$error": self._encode_error(value, budget, depth, set())}
        if type(value) is Call:
            return {
                "$call": [
                    self._encode(value.function, budget, depth + 1),
                    self._encode(list(value.args), budget, depth + 1),
                ]
            }
        reference = self._origin(value)
        if reference is not None:
            return {"$ref": reference}
        kind = type(value)
        if kind is list:
            return [self._encode(item, budget, depth + 1) for item in value]
        if kind is tuple:
            return {"$tuple": [self._encode(item, budget, depth + 1) for item in value]}
        if kind in (set, frozenset):
            return {"$" + kind.__name__: [self._encode(item, budget, depth + 1) for item in value]}
        if kind is dict:
            return {
                "$dict": [
                    [self._encode(k, budget, depth + 1), self._encode(v, budget, depth + 1)] for k, v in value.items()
                ]
            }
        if kind in (bytes, bytearray):
            return {"$" + kind.__name__: base64.b64encode(value).decode()}
        return {"$ref": self._export(value)}

    def _encode_error(self, error: BaseException, budget: list[int], depth: int, seen: set[int]) -> dict:
        seen.add(id(error))
        cls = type(error)
        base = _nearest_known(cls)
        data = {
            "module": cls.__module__,
            "qualname": cls.__qualname__,
            "base": base.__name__,
            "base_module": base.__module__,
            "message": cap(_safe_str(error)),
        }
        origin = self._origin(error)
        if origin is not None:  # the other side's own exception, going back: it will be that very object
            data["origin"] = origin
        elif self.lend_errors:  # this side's own exception: the other side can send it back as a reference
            data["ref"] = self._export(error)
        try:
            data["args"] = self._encode(list(error.args), budget, depth + 1)
        except WireError:
            data["args"] = [data["message"]]
        if isinstance(error, BaseExceptionGroup):
            data["group"] = [
                self._encode_error(inner, budget, depth + 1, seen)
                for inner in error.exceptions
                if id(inner) not in seen
            ]
        for link in ("__cause__", "__context__"):
            linked = getattr(error, link)
            if isinstance(linked, BaseException) and id(linked) not in seen and depth < 8:
                data[link.strip("_")] = self._encode_error(linked, budget, depth + 1, seen)
        notes = getattr(error, "__notes__", None)
        if isinstance(notes, list):
            data["notes"] = [cap(note) for note in notes[:10] if isinstance(note, str)]
        where = self._where(error)
        if where:
            data["where"] = cap(where, 300)
        return data

    # decoding: everything is checked, nothing is trusted

    def decode(self, data: Any) -> Any:
        return self._decode(data, [0], 0)

    def _decode(self, data: Any, budget: list[int], depth: int) -> Any:
        self._count(budget, depth)
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self._decode(item, budget, depth + 1) for item in data]
        if not isinstance(data, dict) or len(data) != 1:
            raise WireError(f"not a value: {short_repr(data)}")
        ((tag, body),) = data.items()
        try:
            if tag == "$tuple":
                return tuple(self._decode_list(body, budget, depth))
            if tag == "$set":
                return set(self._decode_list(body, budget, depth))
            if tag == "$frozenset":
                return frozenset(self._decode_list(body, budget, depth))
            if tag == "$dict":
                pairs = self._decode_list(body, budget, depth)
                if not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
                    raise WireError("a dict that is not a list of pairs")
                return {key: value for key, value in pairs}
            if tag in ("$bytes", "$bytearray"):
                decoded = base64.b64decode(_text(body), validate=True)
                return decoded if tag == "$bytes" else bytearray(decoded)
            if tag == "$int":
                return int(_text(body))
            if tag == "$float":
                if body not in ("inf", "-inf", "nan"):
                    raise WireError("a float that is not inf, -inf or nan")
                return float(body)
            if tag == "$ref":
                return self._imported(_mapping(body))
            if tag == "$error":
                return self.decode_error(body, budget, depth)
            if tag == "$call":
                return self._decode_call(body, budget, depth)
        except (TypeError, ValueError) as error:  # unhashable set items or keys, bad base64
            raise WireError(f"a malformed {tag}: {error}") from None
        raise WireError(f"an unknown tag {short_repr(tag)}")

    def _decode_call(self, body: Any, budget: list[int], depth: int) -> Any:
        if not self.calls:
            raise WireError("a call to make, sent to a side that makes none")
        if not isinstance(body, list) or len(body) != 2 or not isinstance(body[0], dict) or "$ref" not in body[0]:
            raise WireError("a malformed $call")
        function, args = self._decode(body[0], budget, depth + 1), self._decode_list(body[1], budget, depth)
        if not callable(function):
            raise WireError("a call of something that is not callable")
        return function(*args)

    def _decode_list(self, body: Any, budget: list[int], depth: int) -> list:
        if not isinstance(body, list):
            raise WireError("a container that is not a list")
        return [self._decode(item, budget, depth + 1) for item in body]

    def decode_raised(self, data: Any) -> BaseException:
        """An exception sent as a value (`{"$error": ...}`), checked to be one."""
        error = self.decode(data)
        if not isinstance(error, BaseException):
            raise WireError(f"not an exception: {short_repr(error)}")
        return error

    def decode_error(self, body: Any, budget: list[int] | None = None, depth: int = 0) -> BaseException:
        budget = budget if budget is not None else [0]
        body = _mapping(body)
        if "origin" in body:
            own = self._imported(_mapping(body["origin"]))
            if isinstance(own, BaseException):
                return own
        cls = exception_type(
            _text(body.get("module", "builtins")),
            _text(body.get("qualname", "Exception")),
            _text(body.get("base", "Exception")),
            _text(body.get("base_module", "builtins")),
        )
        message = cap(_text(body.get("message", "")))
        args = body.get("args", [message])
        args = self._decode(args, budget, depth + 1) if isinstance(args, list) else [message]
        if issubclass(cls, BaseExceptionGroup):
            inner = [self.decode_error(item, budget, depth + 1) for item in _list(body.get("group", []))]
            error = _group(cls, message, inner)
        else:
            error = _instance(cls, args, message)
        for link in ("cause", "context"):
            if isinstance(body.get(link), dict):
                setattr(error, f"__{link}__", self.decode_error(body[link], budget, depth + 1))
        for note in _list(body.get("notes", []))[:10]:
            error.add_note(cap(_text(note)))
        error.remote_where = cap(_text(body["where"]), 300) if isinstance(body.get("where"), str) else None
        if isinstance(body.get("ref"), dict):
            error.__kata_ref__ = body["ref"]
        return error


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return f"<{type(error).__name__}: its str() raised>"


def _instance(cls: type[BaseException], args: list, message: str) -> BaseException:
    try:
        error = cls(*args)
    except Exception:
        error = cls.__new__(cls)
        error.args = (message,)
    if _safe_str(error) != message and len(args) <= 1:  # a type whose message is not its argument
        error = cls.__new__(cls)
        error.args = (message,) if message else ()
    return error


def _group(cls: type, message: str, inner: list[BaseException]) -> BaseException:
    if not inner:  # an empty group cannot be made: say what it was
        return RuntimeError(f"{cls.__name__}({message!r}, []) (an empty exception group)")
    if not all(isinstance(error, Exception) for error in inner) and not issubclass(cls, ExceptionGroup):
        return BaseExceptionGroup(message, inner)
    try:
        return cls(message, inner)
    except TypeError:
        return BaseExceptionGroup(message, inner)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise WireError("text expected")
    return value


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise WireError("a list expected")
    return value


def _mapping(value: Any) -> dict:
    if not isinstance(value, dict):
        raise WireError("an object expected")
    return value
