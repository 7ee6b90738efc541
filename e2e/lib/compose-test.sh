# Runs docker-compose.yml with the images this test built and checks the pod end to end.
# Sourced, not run; needs the engine (engine.sh), the images (build-images.sh) and checks.sh.

E2E_COMPOSE_PROJECT=sidecar-pod-e2e
E2E_GREETING=$'Hi there! The secret is foobar.\n'

e2e_compose() {
  "${E2E_COMPOSE[@]}" -p "$E2E_COMPOSE_PROJECT" -f "$1/docker-compose.yml" \
    -f "$E2E_WORK/compose.e2e.yml" "${@:2}"
}

# Removes the project's containers, networks and volumes; falls back to the engine's CLI when
# compose gives up half-way (podman refuses to remove a container while a dependent one
# restarting under `restart: unless-stopped` still exists).
e2e_compose_down() {
  local repo=$1
  for _ in 1 2 3; do
    e2e_compose "$repo" down -v --remove-orphans >>"$E2E_WORK/compose-down.log" 2>&1 && return 0
    sleep 1
  done

  local label="label=com.docker.compose.project=$E2E_COMPOSE_PROJECT"
  "$E2E_ENGINE_CLI" ps -aq --filter "$label" | xargs -r "$E2E_ENGINE_CLI" rm -f >/dev/null
  "$E2E_ENGINE_CLI" network ls -q --filter "$label" | xargs -r "$E2E_ENGINE_CLI" network rm \
    >/dev/null
  "$E2E_ENGINE_CLI" volume ls -q --filter "$label" | xargs -r "$E2E_ENGINE_CLI" volume rm \
    >/dev/null
  e2e_say "compose down failed (see $E2E_WORK/compose-down.log); removed by label instead"
}

# podman 4.3 runs health checks from systemd timers; without systemd (as here) a check runs only
# when asked, so compose's `condition: service_healthy` would wait forever. This loop asks, as
# the timer would, once a second, for every container of the project that has a health check.
e2e_start_health_driver() {
  [[ $E2E_ENGINE_KIND == podman ]] || return 0
  [[ -d /run/systemd/system ]] && return 0

  (
    while sleep 1; do
      podman ps -q --filter "label=com.docker.compose.project=$E2E_COMPOSE_PROJECT" |
        xargs -r -n 1 podman healthcheck run >/dev/null 2>&1 || true
    done
  ) &
  E2E_HEALTH_DRIVER_PID=$!
  e2e_on_exit "kill $E2E_HEALTH_DRIVER_PID 2>/dev/null || true"
  e2e_say "adapted: health checks run by this test once a second (podman without systemd" \
    "runs none, and web waits for secret-sidecar to be healthy)"
}

e2e_stop_health_driver() {
  [[ -n ${E2E_HEALTH_DRIVER_PID:-} ]] || return 0
  kill "$E2E_HEALTH_DRIVER_PID" 2>/dev/null || true
  wait "$E2E_HEALTH_DRIVER_PID" 2>/dev/null || true
  E2E_HEALTH_DRIVER_PID=
}

# Waits until every container of the project reports `healthy`.
e2e_wait_compose_healthy() {
  local timeout=$1 states=''
  local deadline=$((SECONDS + timeout))
  local label="label=com.docker.compose.project=$E2E_COMPOSE_PROJECT"
  while ((SECONDS < deadline)); do
    states=$("$E2E_ENGINE_CLI" ps -q --filter "$label" | xargs -r "$E2E_ENGINE_CLI" inspect \
      --format '{{.Name}}={{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}')
    [[ -n $states ]] && ! grep -qv '=healthy$' <<<"$states" && break
    sleep 1
  done
  if [[ -z $states ]] || grep -qv '=healthy$' <<<"$states"; then
    e2e_fail "compose: not every container became healthy within $timeout s: ${states//$'\n'/ }"
  fi
  e2e_say "healthy: ${states//$'\n'/ }"
}

# Sends GET / with a request id of its own and waits for web's request line carrying that id
# in the log output of `service` (log-sidecar ships web's log file to its stdout).
e2e_expect_shipped_request_line() {
  local service=$1 logs_command=$2
  local request_id="e2e-$RANDOM$RANDOM"

  curl -sS --max-time 5 -o /dev/null -H "X-Request-Id: $request_id" "$E2E_WEB_URL" ||
    e2e_fail "GET $E2E_WEB_URL with X-Request-Id failed"

  local line='' deadline=$((SECONDS + 20))
  while ((SECONDS < deadline)); do
    line=$(eval "$logs_command" 2>/dev/null | grep -F "$request_id" | head -n 1) || true
    [[ -n $line ]] && break
    sleep 0.5
  done
  [[ -n $line ]] || e2e_fail "web's request line ($request_id) not in $service's logs within 20 s"
  [[ $line == *GET* && $line == *200* ]] ||
    e2e_fail "$service shipped a request line without GET and 200: $line"
  e2e_say "$service shipped web's request line: $line"
}

e2e_compose_test() {
  local repo=$1
  if ((${#E2E_COMPOSE[@]} == 0)); then
    e2e_say "SKIP compose: neither docker compose nor docker-compose is installed"
    return 0
  fi

  node "$repo/e2e/dist/compose-override.js" --compose "$repo/docker-compose.yml" \
    --out "$E2E_WORK/compose.e2e.yml" --image "web=$E2E_IMAGE_WEB" \
    --image "secret-sidecar=$E2E_IMAGE_SECRET" --image "log-sidecar=$E2E_IMAGE_LOG"
  e2e_say "adapted: the images are built beforehand and started with up --no-build" \
    "(docker-compose 1.29 cannot pass the build secrets)"

  e2e_compose_down "$repo"
  e2e_on_exit "e2e_compose_down '$repo'"
  e2e_start_health_driver

  timeout 300 "${E2E_COMPOSE[@]}" -p "$E2E_COMPOSE_PROJECT" -f "$repo/docker-compose.yml" \
    -f "$E2E_WORK/compose.e2e.yml" up -d --no-build ||
    e2e_fail "compose up failed"
  e2e_wait_for_greeting "$E2E_GREETING" 60 || {
    e2e_compose "$repo" logs --no-color --tail 30 >&2 || true
    e2e_fail "compose: GET $E2E_WEB_URL never answered the greeting within 60 s"
  }
  e2e_expect_greeting "$E2E_GREETING"
  e2e_wait_compose_healthy 30
  e2e_expect_shipped_request_line log-sidecar \
    "e2e_compose '$repo' logs --no-color log-sidecar"

  e2e_compose "$repo" ps
  e2e_stop_health_driver
  e2e_compose_down_checked "$repo"
  e2e_wait_ports_free
}

# docker-compose 1.29 removes a project's containers in parallel, and podman refuses to remove
# secret-sidecar while web and log-sidecar, which joined its network namespace, still exist; a
# second `down` removes it. Then nothing of the project may be left.
e2e_compose_down_checked() {
  local repo=$1
  if ! e2e_compose "$repo" down -v; then
    e2e_say "adapted: compose down -v run a second time (podman removes secret-sidecar only" \
      "after the containers in its network namespace)"
    sleep 1
    e2e_compose "$repo" down -v || e2e_fail "compose down -v failed twice"
  fi

  local label="label=com.docker.compose.project=$E2E_COMPOSE_PROJECT" left
  left=$(
    "$E2E_ENGINE_CLI" ps -aq --filter "$label"
    "$E2E_ENGINE_CLI" volume ls -q --filter "$label"
    "$E2E_ENGINE_CLI" network ls -q --filter "$label"
  )
  [[ -z $left ]] || e2e_fail "compose down -v left behind: ${left//$'\n'/ }"
  e2e_say "compose down -v removed every container, volume and network of the project"
}
