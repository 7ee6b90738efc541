#!/usr/bin/env bash
# Prepares a podman engine for the container end-to-end test on a Debian machine and prints
# the environment to export: eval "$(e2e/setup-engine.sh)". Safe to run again.
#
# Everything but the export lines goes to stderr, so the output can be evaluated.
set -euo pipefail

engine_dir=${E2E_ENGINE_DIR:-/var/lib/sidecar-pod-e2e}
socket_path=/run/podman/podman.sock
conf_path="$engine_dir/containers.conf"

say() { echo "setup-engine: $*" >&2; }

# Recommends are left out: docker-compose recommends docker.io, a second engine this test does
# not use. What podman needs here is named instead: runc (see write_config), netavark and
# aardvark-dns with iptables for compose's bridge network and its 127.0.0.1 port, catatonit
# for the pod's infra container, which podman builds locally when no registry answers.
PACKAGES=(podman runc netavark aardvark-dns iptables catatonit docker-compose debootstrap curl)

install_packages() {
  local missing=() package
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}\n' "$package" 2>/dev/null | grep -q ' installed$' ||
      missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    say "packages present"
    return
  fi

  say "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
}

# crun (podman's default runtime) fails on these hybrid-cgroup machines and the default
# ulimits cannot be raised by the container's process; runc with cgroupfs and no default
# ulimits runs (podman 4.3, runc 1.1 on a cgroup v1 host).
write_config() {
  mkdir -p "$engine_dir"
  cat >"$conf_path.tmp" <<'EOF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
  mv "$conf_path.tmp" "$conf_path"
  say "engine config $conf_path"
}

service_answers() {
  [[ -S $socket_path ]] &&
    curl -fsS --max-time 2 --unix-socket "$socket_path" http://d/_ping >/dev/null 2>&1
}

start_service() {
  if service_answers; then
    say "podman service already answers on $socket_path"
    return
  fi

  mkdir -p "$(dirname "$socket_path")"
  rm -f "$socket_path"
  say "starting podman system service on $socket_path (log $engine_dir/service.log)"
  # From /: the service outlives this checkout, and conmon fails to start containers
  # ("write child: broken pipe") once the service's working directory is deleted.
  (cd / && CONTAINERS_CONF=$conf_path exec setsid podman system service --time=0 \
    "unix://$socket_path") </dev/null >>"$engine_dir/service.log" 2>&1 &

  for _ in $(seq 1 50); do
    service_answers && return
    sleep 0.2
  done
  say "podman service did not answer on $socket_path within 10 s; see $engine_dir/service.log"
  exit 1
}

install_packages
write_config
start_service

echo "export DOCKER_HOST=unix://$socket_path"
echo "export CONTAINERS_CONF=$conf_path"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
