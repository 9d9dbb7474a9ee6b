"""The sandbox's own view of the file system, made as root in its process before it runs anything (a mount namespace
of its own, as `unshare --mount` makes one), just before it becomes a user of its own:

- the interpreter stays reachable by a user who owns nothing even when it lives in a folder only root may enter
  (a pyenv under /root), and the folder graded even in a private one (pytest's tmp_path): such a folder is
  covered by an empty one with only what the sandbox needs bound back, each at its own place;
- the hidden suites, solutions and grader data are covered by empty, unreadable mounts, so the kernel, not only
  the audit hook, keeps them from the learner's code, whatever their permissions in the checkout.

Linux only, and only where the kernel lets root make mount namespaces: `confine.runs_as_other_user` asks once.
"""

import ctypes
import os
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
PR_SET_DUMPABLE = 4
COVER = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC


def closed_folders(needed: list[Path]) -> dict[Path, list[Path]]:
    """The outermost folders a user who owns nothing may not pass through on the way to what the sandbox needs, each
    with the needed paths behind it (to bind back, each at its own place): {Path("/root"):
    [Path("/root/.pyenv/versions/3.11.7")]}. Whatever lies between is passed over, however closed."""
    closed: dict[Path, list[Path]] = {}
    for path in sorted({Path(os.path.realpath(path)) for path in needed}):
        if not path.exists():
            continue  # nothing to reach: importing or running it fails as it would anywhere
        shut = [folder for folder in reversed(path.parents) if not os.stat(folder).st_mode & 0o001]
        if shut and not any(path.is_relative_to(bound) for bound in closed.get(shut[0], [])):
            closed.setdefault(shut[0], []).append(path)
    return closed


class View:
    """What one sandbox sees, set up in its process before it runs anything (grader/sandboxes.py; the probe of
    confine.runs_as_other_user: `Popen(preexec_fn=view)`): everything it calls is looked up when it is made, so
    that calling it, between fork and exec, only makes system calls."""

    def __init__(self, uid: int, needed: list[Path], hidden: list[str], empty_file: Path | None = None) -> None:
        self.uid = uid
        self.closed = [(str(folder), [str(path) for path in paths]) for folder, paths in closed_folders(needed).items()]
        self.hidden = [(path, os.path.isdir(path)) for path in hidden]
        if empty_file is None and not all(is_folder for _, is_folder in self.hidden):
            raise ValueError("a hidden file needs an empty file to cover it")
        self.empty_file = str(empty_file) if empty_file else None
        libc = ctypes.CDLL(None, use_errno=True)
        self._unshare, self._mount, self._prctl = libc.unshare, libc.mount, libc.prctl
        self._mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]

    def __call__(self) -> None:
        self._check(self._unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        self.mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here reaches the judge's view
        for folder, paths in self.closed:
            kept = [os.open(path, os.O_PATH) for path in paths]
            self.mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k")
            for path, descriptor in zip(paths, kept, strict=True):
                if os.path.isdir(f"/proc/self/fd/{descriptor}"):
                    os.makedirs(path, mode=0o755)
                else:
                    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
                    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
                self.mount(f"/proc/self/fd/{descriptor}", path, None, MS_BIND | MS_REC)
                os.close(descriptor)
        for path, is_folder in self.hidden:
            if not os.path.lexists(path):
                continue  # behind a folder covered above: out of sight already
            if is_folder:
                self.mount("tmpfs", path, "tmpfs", COVER, "mode=0,size=4k")
            else:
                self.mount(self.empty_file, path, None, MS_BIND)
        os.setgroups([])
        os.setgid(self.uid)
        os.setuid(self.uid)
        # Changing user made the process undumpable, which an exec would have undone: its /proc files root's, not
        # its own (a forked sandbox runs on without exec).
        self._check(self._prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")

    def mount(self, source: str | None, target: str, kind: str | None, flags: int, data: str | None = None) -> None:
        encoded = [None if text is None else os.fsencode(text) for text in (source, target, kind, data)]
        self._check(self._mount(encoded[0], encoded[1], encoded[2], flags, encoded[3]), f"mount on {target}")

    @staticmethod
    def _check(result: int, what: str) -> None:
        if result != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"{what}: {os.strerror(error)}")
