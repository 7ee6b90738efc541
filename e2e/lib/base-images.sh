# Chooses the base images the Dockerfiles build from: the real ones named by their ARG defaults
# when a registry hands them out, stand-ins built here otherwise. Sourced, not run.
#
# Sets E2E_NODE_IMAGE and E2E_REDIS_IMAGE. E2E_BASE_IMAGES=auto|registry|standin (default auto).

# Prints the default of `ARG NAME=value` in a Dockerfile.
e2e_dockerfile_arg_default() {
  local file=$1 name=$2
  sed -n -E "s/^[[:space:]]*ARG[[:space:]]+$name=\"?([^\"[:space:]]+)\"?.*/\1/p" "$file" | head -n 1
}

# Docker reads `node:24` as docker.io/library/node:24; podman needs the name spelled out when no
# short-name alias or search registry is configured.
e2e_qualify_image() {
  local image=$1 first=${1%%/*}
  if [[ $image != */* ]]; then
    echo "docker.io/library/$image"
  elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then
    echo "docker.io/$image"
  else
    echo "$image"
  fi
}

# A pull that cannot reach a registry fails within seconds here (no DNS); the timeout bounds a
# registry that accepts connections and then stalls.
e2e_pull() {
  timeout "${E2E_PULL_TIMEOUT_S:-60}" "$E2E_ENGINE_CLI" pull -q "$1" >/dev/null 2>&1
}

e2e_choose_base_images() {
  local repo=$1
  local node_default redis_default
  node_default=$(e2e_dockerfile_arg_default "$repo/web/Dockerfile" NODE_IMAGE)
  redis_default=$(e2e_dockerfile_arg_default "$repo/secret-sidecar/Dockerfile" REDIS_IMAGE)
  [[ -n $node_default ]] || e2e_fail "web/Dockerfile has no ARG NODE_IMAGE=<default>"
  [[ -n $redis_default ]] || e2e_fail "secret-sidecar/Dockerfile has no ARG REDIS_IMAGE=<default>"
  node_default=$(e2e_qualify_image "$node_default")
  redis_default=$(e2e_qualify_image "$redis_default")

  local mode=${E2E_BASE_IMAGES:-auto}
  case $mode in
    auto | registry | standin) ;;
    *) e2e_fail "E2E_BASE_IMAGES=$mode; expected auto, registry or standin" ;;
  esac

  if [[ $mode != standin ]]; then
    e2e_say "probing the registry: pull $node_default"
    if e2e_pull "$node_default" && e2e_pull "$redis_default"; then
      E2E_NODE_IMAGE=$node_default
      E2E_REDIS_IMAGE=$redis_default
      E2E_STANDINS=no
      e2e_say "base images from the registry: $E2E_NODE_IMAGE, $E2E_REDIS_IMAGE"
      return
    fi
    [[ $mode == registry ]] && e2e_fail "cannot pull $node_default and $redis_default"
  fi

  E2E_NODE_IMAGE=$(e2e_node_standin_tag)
  E2E_REDIS_IMAGE=$(e2e_redis_standin_tag)
  E2E_STANDINS=yes
  e2e_say "STAND-IN base images (no registry answers): $E2E_NODE_IMAGE for $node_default," \
    "$E2E_REDIS_IMAGE for $redis_default"
  e2e_build_node_standin "$E2E_NODE_IMAGE"
  e2e_build_redis_standin "$E2E_REDIS_IMAGE"
}
