# Finds the Debian mirror this machine's apt sources already name, so that a stand-in root file
# system comes from the same place apt does. Sourced, not run.

# Prints the first `deb` URI serving a main suite (not -security, -updates or -backports), from
# deb822 `*.sources` files and one-line `*.list` files. E2E_DEBIAN_MIRROR overrides.
e2e_debian_mirror() {
  if [[ -n ${E2E_DEBIAN_MIRROR:-} ]]; then
    echo "$E2E_DEBIAN_MIRROR"
    return
  fi

  local files=()
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] && files+=("$file")
  done
  ((${#files[@]} > 0)) || return 1

  awk '
    function main_suite(suites,   n, parts, i) {
      n = split(suites, parts, /[[:space:]]+/)
      for (i = 1; i <= n; i++) if (parts[i] != "" && parts[i] !~ /[-\/]/) return 1
      return 0
    }
    function flush(   u, i) {
      deb = types ~ /(^|[[:space:]])deb([[:space:]]|$)/
      if (!found && deb && enabled != "no" && main_suite(suites)) {
        split(uris, u, /[[:space:]]+/)
        for (i = 1; i in u; i++) if (u[i] != "") { print u[i]; found = 1; exit }
      }
      types = ""; uris = ""; suites = ""; enabled = ""
    }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[[:space:]]*$/) { flush(); next }
      if ($1 == "Types:") { types = $0; sub(/^Types:/, "", types) }
      if ($1 == "URIs:") { uris = $0; sub(/^URIs:/, "", uris) }
      if ($1 == "Suites:") { suites = $0; sub(/^Suites:/, "", suites) }
      if ($1 == "Enabled:") enabled = tolower($2)
      next
    }
    $1 == "deb" {
      line = $0
      gsub(/\[[^]]*\]/, "", line)
      split(line, f)
      if (f[3] !~ /[-\/]/) { print f[2]; found = 1; exit }
    }
    END { flush() }
  ' "${files[@]}" | head -n 1 | grep .
}
