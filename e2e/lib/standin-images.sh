# Builds stand-ins for the node and redis base images where no registry can be reached: a
# Debian bookworm root file system from this machine's own mirror, plus this machine's node and
# npm, or Debian's redis-server. Each image is built once and reused while its tag exists.
# Sourced, not run; needs E2E_ENGINE_CLI and E2E_WORK.

E2E_STANDIN_LABEL=sidecar-pod.e2e.standin=true
E2E_STANDIN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

e2e_node_standin_tag() {
  echo "localhost/sidecar-pod-node-standin:$(node --version | sed 's/^v//')"
}

e2e_redis_standin_tag() { echo "localhost/sidecar-pod-redis-standin:7"; }

e2e_image_exists() { "$E2E_ENGINE_CLI" image inspect "$1" >/dev/null 2>&1; }

# A minimal bookworm, shared by both stand-ins and made once per run.
e2e_standin_rootfs() {
  local rootfs="$E2E_WORK/standin/bookworm"
  if [[ -d $rootfs ]]; then
    echo "$rootfs"
    return
  fi

  command -v debootstrap >/dev/null || e2e_fail "debootstrap is needed for stand-in images"
  local mirror
  mirror=$(e2e_debian_mirror) ||
    e2e_fail "no Debian mirror in /etc/apt/sources*; set E2E_DEBIAN_MIRROR"

  e2e_say "debootstrap --variant=minbase bookworm from $mirror" >&2
  mkdir -p "$E2E_WORK/standin"
  debootstrap --variant=minbase bookworm "$rootfs.tmp" "$mirror" \
    >"$E2E_WORK/standin/debootstrap.log" 2>&1 ||
    e2e_fail "debootstrap failed; see $E2E_WORK/standin/debootstrap.log"
  mv "$rootfs.tmp" "$rootfs"
  echo "$rootfs"
}

# Runs a command in a root file system with /proc, as package scripts expect; debootstrap
# already made the device nodes in its /dev.
e2e_in_chroot() {
  local rootfs=$1
  shift
  mount -t proc proc "$rootfs/proc"
  local status=0
  chroot "$rootfs" /usr/bin/env -i PATH="$E2E_STANDIN_PATH" HOME=/root "$@" || status=$?
  umount "$rootfs/proc"
  return "$status"
}

# Removes a build root, refusing while anything is still mounted inside it.
e2e_remove_tree() {
  local tree
  tree=$(readlink -f "$1")
  if awk -v t="$tree/" 'index($2 "/", t) == 1 { found = 1 } END { exit !found }' /proc/mounts
  then
    e2e_fail "refusing to remove $tree: something is still mounted inside it"
  fi
  rm -rf "$tree"
}

# Strips what a container image does not need, then imports the tree under a tag.
e2e_import_rootfs() {
  local rootfs=$1 tag=$2
  shift 2

  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  rm -f "$rootfs/etc/resolv.conf" "$rootfs/usr/sbin/policy-rc.d"
  local log="$E2E_WORK/standin/import.log"
  tar -C "$rootfs" --numeric-owner -c . |
    "$E2E_ENGINE_CLI" import --change "ENV PATH=$E2E_STANDIN_PATH" \
      --change "LABEL $E2E_STANDIN_LABEL" "$@" - "$tag" >"$log" 2>&1 ||
    e2e_fail "importing $tag failed; see $log"
}

# Like the official node image: node and npm under /usr/local, user node with uid 1000.
e2e_build_node_standin() {
  local tag=$1
  if e2e_image_exists "$tag"; then
    e2e_say "stand-in $tag already built"
    return
  fi

  local base rootfs node_bin npm_dir
  base=$(e2e_standin_rootfs)
  rootfs="$E2E_WORK/standin/node"
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
  [[ -f $npm_dir/package.json ]] || e2e_fail "npm not found beside $(command -v npm)"

  e2e_say "building stand-in $tag from $node_bin and $npm_dir"
  cp -a "$base" "$rootfs"
  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # Fails here, not in a build, when the host's node needs a library bookworm lacks.
  chroot "$rootfs" /usr/local/bin/node --version >/dev/null ||
    e2e_fail "the host's node does not run in a bookworm root file system"

  e2e_import_rootfs "$rootfs" "$tag" --change 'CMD ["node"]'
  e2e_remove_tree "$rootfs"
}

# Like the official redis image: redis-server and redis-cli in /usr/local/bin, user redis with
# uid 999. The binaries are Debian's build, so they need Debian's shared libraries (see
# e2e_redis_standin_libs).
e2e_build_redis_standin() {
  local tag=$1
  if e2e_image_exists "$tag"; then
    e2e_say "stand-in $tag already built"
    return
  fi

  local base rootfs
  base=$(e2e_standin_rootfs)
  rootfs="$E2E_WORK/standin/redis"

  e2e_say "building stand-in $tag from Debian's redis-server"
  cp -a "$base" "$rootfs"
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  # Package scripts must not start a service inside the build root (policy-rc.d convention).
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod +x "$rootfs/usr/sbin/policy-rc.d"
  chroot "$rootfs" groupadd --system --gid 999 redis
  chroot "$rootfs" useradd --system --uid 999 --gid redis --home-dir /var/lib/redis redis
  local apt_log="$E2E_WORK/standin/redis-apt.log"
  if ! e2e_in_chroot "$rootfs" apt-get update -qq >"$apt_log" 2>&1; then
    e2e_fail "apt-get update in the stand-in failed; see $apt_log"
  fi
  if ! e2e_in_chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends redis-server redis-tools >>"$apt_log" 2>&1; then
    e2e_fail "installing redis-server in the stand-in failed; see $apt_log"
  fi

  cp "$rootfs/usr/bin/redis-server" "$rootfs/usr/local/bin/redis-server"
  cp "$rootfs/usr/bin/redis-cli" "$rootfs/usr/local/bin/redis-cli"
  mkdir -p "$rootfs/data"
  chroot "$rootfs" chown redis:redis /data
  chroot "$rootfs" /usr/local/bin/redis-server --version >/dev/null ||
    e2e_fail "redis-server does not run in the stand-in root file system"

  e2e_import_rootfs "$rootfs" "$tag" --change 'WORKDIR /data' --change 'EXPOSE 6379' \
    --change 'CMD ["redis-server"]'
  e2e_remove_tree "$rootfs"
}
