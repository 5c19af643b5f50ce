# Sourced by the scripts: sets JAVA_HOME to a JDK >= 25 (JAVA_HOME first, then /usr/lib/jvm/*),
# or prints why there is none and exits 3.
gapscope_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}
gapscope_find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(gapscope_java_major "$c")
    case "$v" in ''|*[!0-9]*) continue ;; esac
    if [ "$v" -ge 25 ]; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "gapscope: no JDK 25 or newer found (looked at JAVA_HOME='${JAVA_HOME:-}' and /usr/lib/jvm/*). Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 3
}
gapscope_find_jdk
