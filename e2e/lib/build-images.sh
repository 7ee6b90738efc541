# Builds the three images from the repository's own Dockerfiles (context: the repository root).
# Sourced, not run; needs E2E_ENGINE_CLI, E2E_WORK, E2E_NODE_IMAGE and E2E_REDIS_IMAGE.
#
# Sets E2E_IMAGE_WEB, E2E_IMAGE_SECRET and E2E_IMAGE_LOG.

E2E_IMAGE_PREFIX=localhost/sidecar-pod-e2e
E2E_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# The Dockerfiles' npm step reads two build secrets, the private-registry pattern: an npmrc
# naming this machine's registry, and the CA bundle that signs its certificate.
e2e_write_npm_secrets() {
  local registry
  registry=$(npm config get registry)
  {
    echo "registry=$registry"
    [[ -f $E2E_CA_BUNDLE ]] && echo "cafile=/run/secrets/npm-ca"
  } >"$E2E_WORK/npmrc"
  e2e_say "npm build secrets: registry=$registry, CA bundle $E2E_CA_BUNDLE"
}

e2e_build_args_for() {
  local dockerfile=$1
  grep -Eq '^[[:space:]]*ARG[[:space:]]+NODE_IMAGE\b' "$dockerfile" &&
    printf '%s\n' --build-arg "NODE_IMAGE=$E2E_NODE_IMAGE"
  grep -Eq '^[[:space:]]*ARG[[:space:]]+REDIS_IMAGE\b' "$dockerfile" &&
    printf '%s\n' --build-arg "REDIS_IMAGE=$E2E_REDIS_IMAGE"
  return 0
}

e2e_build_image() {
  local repo=$1 package=$2 tag=$3
  local dockerfile="$repo/$package/Dockerfile"
  [[ -f $dockerfile ]] || e2e_fail "$package/Dockerfile is missing"

  local args=()
  mapfile -t args < <(e2e_build_args_for "$dockerfile")
  args+=(--network host --secret "id=npmrc,src=$E2E_WORK/npmrc")
  [[ -f $E2E_CA_BUNDLE ]] && args+=(--secret "id=npm-ca,src=$E2E_CA_BUNDLE")

  local log="$E2E_WORK/build-$package.log"
  local started=$SECONDS
  e2e_say "building $tag from $package/Dockerfile (log $log)"
  if [[ $E2E_ENGINE_KIND == docker ]]; then
    DOCKER_BUILDKIT=1 docker build "${args[@]}" -f "$dockerfile" -t "$tag" "$repo" >"$log" 2>&1
  else
    podman build "${args[@]}" -f "$dockerfile" -t "$tag" "$repo" >"$log" 2>&1
  fi || {
    tail -n 40 "$log" >&2
    e2e_fail "building $package/Dockerfile failed; see $log"
  }
  e2e_say "built $tag in $((SECONDS - started)) s"
}

e2e_build_images() {
  local repo=$1
  local tag=${E2E_IMAGE_TAG:-test}
  E2E_IMAGE_WEB="$E2E_IMAGE_PREFIX/web:$tag"
  E2E_IMAGE_SECRET="$E2E_IMAGE_PREFIX/secret-sidecar:$tag"
  E2E_IMAGE_LOG="$E2E_IMAGE_PREFIX/log-sidecar:$tag"

  e2e_write_npm_secrets
  e2e_build_image "$repo" web "$E2E_IMAGE_WEB"
  e2e_build_image "$repo" secret-sidecar "$E2E_IMAGE_SECRET"
  e2e_build_image "$repo" log-sidecar "$E2E_IMAGE_LOG"
}

# The test's own helpers (manifest adaptation, compose override, Secret rotation) are
# TypeScript, compiled like the packages.
e2e_build_tools() {
  local repo=$1
  (cd "$repo" && node_modules/.bin/tsc -p e2e/tsconfig.json) ||
    e2e_fail "compiling e2e/ failed (run npm ci first)"
  e2e_say "compiled e2e/src to e2e/dist"
}
