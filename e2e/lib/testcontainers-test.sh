# Runs the testcontainers tests (e2e/containers/) against the images this test built.
# Sourced, not run; needs DOCKER_HOST (engine.sh) and the images (build-images.sh).

# Prints `name@version (node engines)` of an installed package.
# shellcheck disable=SC2016  # the script is JavaScript; its ${...} are template literals
e2e_package_summary() {
  node -e '
    const p = require(process.argv[1] + "/package.json");
    console.log(`${p.name}@${p.version} (node ${p.engines?.node ?? "any"})`);
  ' "$1" 2>/dev/null || echo "$1 (not installed)"
}

e2e_testcontainers_test() {
  local repo=$1
  # A dependency that needs a newer Node fails at import with an unrelated-looking TypeError;
  # say which package and which Node instead.
  if ! (cd "$repo" && node --input-type=module -e "await import('testcontainers')") \
    2>"$E2E_WORK/testcontainers-import.log"; then
    e2e_fail "testcontainers does not load on Node $(node --version):" \
      "$(grep -m 1 -E 'Error' "$E2E_WORK/testcontainers-import.log");" \
      "installed: $(e2e_package_summary "$repo/node_modules/testcontainers")," \
      "$(e2e_package_summary "$repo/node_modules/undici")"
  fi

  # The reaper (ryuk) image cannot be pulled without a registry; the tests stop their own
  # containers.
  (
    cd "$repo" &&
      SECRET_SIDECAR_IMAGE=$E2E_IMAGE_SECRET TESTCONTAINERS_RYUK_DISABLED=true \
        node_modules/.bin/vitest run --config e2e/vitest.config.ts
  ) || e2e_fail "the testcontainers tests failed"
}
