#!/usr/bin/env bash
# ./test.sh [PYTEST ARGS...] - set the machine up if needed, then run the test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh
exec .venv/bin/pytest -q "$@"
