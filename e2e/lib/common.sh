# Output and clean-up helpers shared by the container end-to-end steps. Sourced, not run.

e2e_say() { echo "e2e: $*"; }

e2e_step() { echo; echo "== $* =="; }

e2e_fail() {
  echo "e2e: FAIL: $*" >&2
  exit 1
}

# Clean-up actions run in reverse order of registration when the test exits, pass or fail.
declare -a e2e_cleanups=()

e2e_on_exit() { e2e_cleanups+=("$*"); }

e2e_run_cleanups() {
  local i
  for ((i = ${#e2e_cleanups[@]} - 1; i >= 0; i--)); do
    eval "${e2e_cleanups[i]}" || echo "e2e: clean-up step failed: ${e2e_cleanups[i]}" >&2
  done
  e2e_cleanups=()
}
