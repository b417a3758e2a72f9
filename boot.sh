#!/usr/bin/env bash
# ./boot.sh [ARGS...] - set the machine up if needed, then boot pynix on this terminal.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh
exec .venv/bin/pynix boot "$@"
