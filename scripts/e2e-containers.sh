#!/usr/bin/env bash
# Container end-to-end test: builds the three images from the repository's Dockerfiles, runs
# them with docker-compose.yml and as the Kubernetes pod in k8s/ (podman kube play), checks
# the greeting, the shipped request log line and a Secret rotation, and runs the testcontainers
# test of the secret-sidecar image. Removes everything it started, pass or fail.
#
# Exit status: 0 pass, 1 fail, 3 no container engine. Engine set-up on Debian:
#   eval "$(e2e/setup-engine.sh)"
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
for lib in common checks debian-mirror engine standin-images base-images build-images \
  compose-test pod-test testcontainers-test; do
  # shellcheck source=/dev/null
  source "$repo/e2e/lib/$lib.sh"
done

for tool in curl node npm; do
  command -v "$tool" >/dev/null || e2e_fail "$tool is needed"
done

E2E_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sidecar-pod-e2e.XXXXXX")
export E2E_WORK
e2e_on_exit "e2e_remove_tree '$E2E_WORK'"
trap 'status=$?; e2e_run_cleanups; exit $status' EXIT
trap 'exit 130' INT TERM

started=$SECONDS
timings=()
e2e_timed() {
  local name=$1
  shift
  local step_started=$SECONDS
  e2e_step "$name"
  "$@"
  timings+=("$name: $((SECONDS - step_started)) s")
  e2e_say "$name: done in $((SECONDS - step_started)) s"
}


e2e_find_engine
e2e_ports_free

e2e_timed "base images" e2e_choose_base_images "$repo"
e2e_timed "e2e tools" e2e_build_tools "$repo"
e2e_timed "image builds" e2e_build_images "$repo"
e2e_timed "compose" e2e_compose_test "$repo"
e2e_timed "pod" e2e_pod_test "$repo"
e2e_timed "testcontainers" e2e_testcontainers_test "$repo"

echo
e2e_say "timings: ${timings[*]/%/;} total $((SECONDS - started)) s"
if [[ $E2E_STANDINS == yes ]]; then
  e2e_say "base images were STAND-INS: $E2E_NODE_IMAGE, $E2E_REDIS_IMAGE"
fi
e2e_say "PASS"
