# Runs the testcontainers tests (e2e/containers/) against the images this test built.
# Sourced, not run; needs DOCKER_HOST (engine.sh) and the images (build-images.sh).

e2e_testcontainers_test() {
  local repo=$1
  # The reaper (ryuk) image cannot be pulled without a registry; the tests stop their own
  # containers.
  (
    cd "$repo" &&
      SECRET_SIDECAR_IMAGE=$E2E_IMAGE_SECRET TESTCONTAINERS_RYUK_DISABLED=true \
        node_modules/.bin/vitest run --config e2e/vitest.config.ts
  ) || e2e_fail "the testcontainers tests failed"
}
