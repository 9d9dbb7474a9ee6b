"""The workspace the project's tests run on: this checkout, wherever pytest is started from."""

from pathlib import Path

from grader.curriculum import Workspace

WORKSPACE = Workspace.find(Path(__file__).parent)
