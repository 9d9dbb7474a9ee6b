#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built: install Python and the grader.
# The autograder zip holds this file, run_autograder, and a learner's copy of the katas with its hidden
# suites in katas/ (see README.md beside this file); Gradescope unpacks it into /autograder/source.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install /autograder/source/katas
