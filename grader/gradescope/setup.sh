#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built: install Python and the grader.
# The autograder zip holds this file, run_autograder, and a learner's copy of the katas with its hidden
# suites in katas/ (see README.md beside this file); Gradescope unpacks it into /autograder/source.
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip

# The grader needs Python 3.11 or newer (asyncio.TaskGroup, asyncio.timeout, ExceptionGroup). The image's own
# python3 comes first (apt installed its venv module above), then any newer one the image has.
python=""
seen=""
for candidate in python3 python3.14 python3.13 python3.12 python3.11; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    if [ "${version%%.*}" = 3 ] && [ "${version#*.}" -ge 11 ]; then
        python=$candidate
        break
    fi
    seen="$seen $candidate is Python $version;"
done
if [ -z "$python" ]; then
    echo "setup.sh: the grader needs Python 3.11 or newer, and this image has none (${seen:- no python3 at all}" \
        "after apt-get install python3)." >&2
    echo "On the assignment's Configure Autograder page, pick the base image Ubuntu 24.04 (its python3 is 3.12;" \
        "the default, Ubuntu 22.04, has 3.10), then update the autograder with the same zip." >&2
    exit 1
fi
echo "setup.sh: grading with $python ($("$python" --version 2>&1))"
"$python" -m venv "$root/venv"
"$root/venv/bin/python" -m pip install "$root/source/katas"
# The hidden suites are root's alone from now on: each kata's sandbox runs as a user of its own, who can then read
# neither them nor anything else under source/, whatever the audit hook decides. What the sandbox runs of the grader
# is the copy just installed into the venv, which stays readable.
chmod -R go-rwx "$root/source"
