# Assertions against the running pod, over 127.0.0.1 only. Sourced, not run.

E2E_WEB_URL=http://127.0.0.1:8080/
# web, secret-sidecar's Redis and health, log-sidecar's health, and the three metrics ports.
E2E_POD_PORTS=(8080 6379 8081 8082 9101 9102 9103)

e2e_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# With host networking the pod's listeners share this machine's loopback: a port already taken
# would make the test talk to something else.
e2e_ports_free() {
  local port busy=()
  for port in "${E2E_POD_PORTS[@]}"; do
    e2e_port_in_use "$port" && busy+=("$port")
  done
  ((${#busy[@]} == 0)) || e2e_fail "127.0.0.1 ports ${busy[*]} are in use; stop what listens there"
}

e2e_wait_ports_free() {
  local port
  for _ in $(seq 1 100); do
    for port in "${E2E_POD_PORTS[@]}"; do
      e2e_port_in_use "$port" && continue 2
    done
    return 0
  done
  e2e_fail "127.0.0.1 ports ${E2E_POD_PORTS[*]} still in use after the pod stopped"
}

# Sets E2E_BODY to the body of GET / exactly, trailing newline included.
e2e_fetch_greeting() {
  local body
  body=$(curl -sS --max-time 5 "$E2E_WEB_URL" && echo x) || return 1
  E2E_BODY=${body%x}
}

# Waits until GET / answers exactly `expected`, or fails after `timeout` seconds.
e2e_wait_for_greeting() {
  local expected=$1 timeout=$2
  local deadline=$((SECONDS + timeout))
  E2E_BODY=''
  while ((SECONDS < deadline)); do
    e2e_fetch_greeting 2>/dev/null && [[ $E2E_BODY == "$expected" ]] && return 0
    sleep 0.5
  done
  e2e_say "last answer from $E2E_WEB_URL: $(printf '%q' "$E2E_BODY")" >&2
  return 1
}

e2e_expect_greeting() {
  local expected=$1
  e2e_fetch_greeting || e2e_fail "GET $E2E_WEB_URL failed"
  [[ $E2E_BODY == "$expected" ]] || e2e_fail "GET $E2E_WEB_URL answered" \
    "$(printf '%q' "$E2E_BODY"), expected $(printf '%q' "$expected")"
  e2e_say "GET $E2E_WEB_URL -> $(printf '%q' "$E2E_BODY")"
}

# With host networking the pod's listeners are this machine's: each must be on loopback only.
e2e_expect_loopback_listeners() {
  local port listeners open=()
  for port in "${E2E_POD_PORTS[@]}"; do
    listeners=$(ss -Htln "sport = :$port" | awk '{ print $4 }')
    [[ -n $listeners ]] || e2e_fail "nothing listens on port $port"
    while read -r address; do
      [[ $address == 127.0.0.1:* || $address == "[::1]:"* ]] || open+=("$address")
    done <<<"$listeners"
  done
  ((${#open[@]} == 0)) || e2e_fail "listeners beyond loopback: ${open[*]}"
  e2e_say "ports ${E2E_POD_PORTS[*]} listen on loopback only"
}

# Each container of the pod serves Prometheus metrics on its own loopback port, and web's
# request counter has moved past zero for GET /.
e2e_expect_metrics() {
  local port prefix body
  for pair in 9101:web_ 9102:secret_sidecar_ 9103:log_sidecar_; do
    port=${pair%%:*} prefix=${pair#*:}
    body=$(curl -sS --max-time 5 "http://127.0.0.1:$port/metrics") ||
      e2e_fail "GET http://127.0.0.1:$port/metrics failed"
    grep -q "^$prefix" <<<"$body" || e2e_fail "no ${prefix}* metric on port $port"
  done
  curl -sS --max-time 5 http://127.0.0.1:9101/metrics |
    grep -Eq '^web_http_requests_total\{[^}]*route="/"[^}]*status="200"[^}]*\} [1-9]' ||
    e2e_fail "web_http_requests_total for GET / did not count the requests"
  e2e_say "metrics served on 9101, 9102 and 9103; web counted its requests"
}
