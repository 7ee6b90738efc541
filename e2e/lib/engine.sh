# Finds the container engine and the compose command. Sourced, not run; needs E2E_WORK.
#
# Sets E2E_ENGINE_KIND (podman|docker), E2E_ENGINE_CLI (the CLI that builds and runs images in
# the engine's own storage), E2E_COMPOSE (the compose command) and exports DOCKER_HOST for
# compose and testcontainers. Only local engines are used: a unix socket or a loopback port.

E2E_NO_ENGINE_STATUS=3

# Prints the Docker API's /version document for a DOCKER_HOST value, or fails.
e2e_engine_version() {
  local host=$1
  case $host in
    unix://*) curl -fsS --max-time 5 --unix-socket "${host#unix://}" http://d/version ;;
    tcp://*) curl -fsS --max-time 5 "http://${host#tcp://}/version" ;;
    *) return 1 ;;
  esac
}

e2e_loopback_host() {
  case $1 in
    unix://*) return 0 ;;
    tcp://127.0.0.1:* | tcp://localhost:* | tcp://\[::1\]:*) return 0 ;;
    *) return 1 ;;
  esac
}

e2e_no_engine() {
  echo "e2e: no container engine: $*" >&2
  exit "$E2E_NO_ENGINE_STATUS"
}

# With podman installed but no API socket, this test runs a private service for its own
# lifetime; compose and testcontainers speak only the Docker API.
e2e_start_private_podman_service() {
  local socket="$E2E_WORK/podman.sock"
  podman system service --time=0 "unix://$socket" </dev/null >"$E2E_WORK/podman-service.log" 2>&1 &
  local pid=$!
  e2e_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"

  for _ in $(seq 1 50); do
    [[ -S $socket ]] && e2e_engine_version "unix://$socket" >/dev/null 2>&1 && break
    sleep 0.2
  done
  export DOCKER_HOST="unix://$socket"
  e2e_say "started a private podman API service on $DOCKER_HOST"
  [[ -n ${CONTAINERS_CONF:-} ]] ||
    e2e_say "CONTAINERS_CONF is unset: podman's defaults apply (where crun or the default" \
      "ulimits fail, use the engine set-up: eval \"\$(e2e/setup-engine.sh)\")"
}

e2e_find_engine() {
  if [[ -z ${DOCKER_HOST:-} && -S /var/run/docker.sock ]]; then
    export DOCKER_HOST=unix:///var/run/docker.sock
  fi
  if [[ -z ${DOCKER_HOST:-} ]]; then
    command -v podman >/dev/null ||
      e2e_no_engine "DOCKER_HOST unset, no /var/run/docker.sock, no podman" \
        "(on Debian: eval \"\$(e2e/setup-engine.sh)\")"
    e2e_start_private_podman_service
  fi
  e2e_loopback_host "$DOCKER_HOST" ||
    e2e_no_engine "DOCKER_HOST=$DOCKER_HOST is not a local socket or loopback port"

  local version
  version=$(e2e_engine_version "$DOCKER_HOST" 2>/dev/null) ||
    e2e_no_engine "nothing answers on DOCKER_HOST=$DOCKER_HOST"

  if grep -q '"Name":"Podman Engine"' <<<"$version"; then
    E2E_ENGINE_KIND=podman
    # podman's Docker API has no build secrets; its own CLI builds into the same storage.
    command -v podman >/dev/null ||
      e2e_no_engine "DOCKER_HOST=$DOCKER_HOST is podman, but the podman CLI is missing"
  else
    E2E_ENGINE_KIND=docker
    command -v docker >/dev/null ||
      e2e_no_engine "DOCKER_HOST=$DOCKER_HOST is Docker, but the docker CLI is missing"
  fi
  E2E_ENGINE_CLI=$E2E_ENGINE_KIND

  if [[ $E2E_ENGINE_KIND == docker ]] && docker compose version >/dev/null 2>&1; then
    E2E_COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null; then
    E2E_COMPOSE=(docker-compose)
  elif command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
    E2E_COMPOSE=(docker compose)
  else
    E2E_COMPOSE=()
  fi

  e2e_say "engine: $E2E_ENGINE_KIND on $DOCKER_HOST; compose: ${E2E_COMPOSE[*]:-none}"
}
