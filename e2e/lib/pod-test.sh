# Plays the manifests in k8s/ as a pod with `podman kube play`, adapted for podman 4.3 (each
# change is printed), checks the greeting and the shipped request line, then rotates the
# Secret the way the kubelet does and checks the new value is served without a restart.
# Sourced, not run; needs the engine, the images, checks.sh and compose-test.sh's helpers.

E2E_ROTATION_TIMEOUT_S=10

# podman without systemd logs an error for every health-check timer it cannot add or remove;
# those lines say nothing about the test.
e2e_podman_quiet() {
  podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2)
}

e2e_pod_down() {
  local pod_yaml=$1
  [[ -f $pod_yaml ]] || return 0
  podman kube down "$pod_yaml" >/dev/null 2>&1 || true
}

e2e_pod_container() {
  podman ps -a --filter "pod=$1" --format '{{.Names}}' | grep -- "-$2\$" | head -n 1
}

e2e_pod_test() {
  local repo=$1
  if [[ $E2E_ENGINE_KIND != podman ]]; then
    e2e_say "SKIP pod: podman kube play needs podman (engine: $E2E_ENGINE_KIND)"
    return 0
  fi

  local pod_yaml="$E2E_WORK/pod.e2e.yaml"
  local secret_root="$E2E_WORK/secret-volumes"
  node "$repo/e2e/dist/kube-for-podman.js" --manifests "$repo/k8s" --out "$pod_yaml" \
    --secret-root "$secret_root" --image "web=$E2E_IMAGE_WEB" \
    --image "secret-sidecar=$E2E_IMAGE_SECRET" --image "log-sidecar=$E2E_IMAGE_LOG" \
    --listen-env web=HOST,METRICS_HOST --listen-env secret-sidecar=HEALTH_HOST,METRICS_HOST \
    --listen-env log-sidecar=HEALTH_HOST,METRICS_HOST --inline-secret-env

  e2e_pod_down "$pod_yaml"
  e2e_on_exit "e2e_pod_down '$pod_yaml'"
  # podman creates this network for played pods on first use, even with host networking.
  if ! podman network exists podman-default-kube-network; then
    e2e_on_exit "podman network rm podman-default-kube-network >/dev/null 2>&1 || true"
  fi
  e2e_podman_quiet kube play "$pod_yaml" >"$E2E_WORK/kube-play.log" ||
    e2e_fail "podman kube play failed; see $E2E_WORK/kube-play.log"

  local pod
  pod=$(podman pod ps --format '{{.Name}}' --filter "id=$(sed -n '2p' "$E2E_WORK/kube-play.log")")
  [[ -n $pod ]] || e2e_fail "podman kube play started no pod; see $E2E_WORK/kube-play.log"
  e2e_on_exit "podman pod exists '$pod' && podman pod rm -f '$pod' >/dev/null 2>&1; true"
  e2e_say "pod $pod: $(podman ps --filter "pod=$pod" --format '{{.Names}}' | tr '\n' ' ')"

  e2e_wait_for_greeting "$E2E_GREETING" 60 || {
    podman pod logs --tail 30 "$pod" >&2 || true
    e2e_fail "pod: GET $E2E_WEB_URL never answered the greeting within 60 s"
  }
  e2e_expect_greeting "$E2E_GREETING"
  e2e_expect_loopback_listeners
  e2e_expect_metrics
  local log_sidecar
  log_sidecar=$(e2e_pod_container "$pod" log-sidecar)
  e2e_expect_shipped_request_line "$log_sidecar" "podman logs '$log_sidecar'"

  e2e_rotate_secret "$repo" "$secret_root/sidecar-pod-secret" "$pod"

  e2e_podman_quiet kube down "$pod_yaml" >/dev/null || e2e_fail "podman kube down failed"
  e2e_wait_ports_free
}

# One line per container of the pod: name, id, restarts and start time.
e2e_pod_fingerprint() {
  podman ps -aq --filter "pod=$1" | xargs -r podman inspect \
    --format '{{.Name}} {{.Id}} {{.RestartCount}} {{.State.StartedAt}}' | sort
}

# A new value in a new timestamped directory, published by renaming a temporary `..data`
# symlink over the old one, as the kubelet's AtomicWriter does; no container is restarted.
e2e_rotate_secret() {
  local repo=$1 secret_dir=$2 pod=$3
  local value="rotated-$RANDOM$RANDOM"
  local before
  before=$(e2e_pod_fingerprint "$pod")

  node "$repo/e2e/dist/rotate-secret.js" "$secret_dir" "secret=$value"
  local rotated_at=$SECONDS
  e2e_wait_for_greeting $'Hi there! The secret is '"$value"$'.\n' "$E2E_ROTATION_TIMEOUT_S" ||
    e2e_fail "the rotated secret was not served within $E2E_ROTATION_TIMEOUT_S s"
  e2e_say "rotated value served within $((SECONDS - rotated_at)) s of the ..data swap"

  [[ $(e2e_pod_fingerprint "$pod") == "$before" ]] ||
    e2e_fail "a container of $pod was restarted or replaced during the rotation"
  e2e_say "no container restarted"
}
