# Sourced by scripts/gapscope and scripts/test when the tornado backend is wanted: checks
# TORNADOVM_HOME (an installed TornadoVM, built from https://github.com/beehive-lab/TornadoVM), finds
# the version of its API jar (passed to Maven as -Dtornado.version) and writes a copy of its argfile
# without the current directory on the module path (TornadoVM's argfile starts the module path with
# '.', which turns any jar in the directory gapscope is started from into a broken module).
gapscope_tornado_setup() {
  local root="$1" api
  if [ -z "${TORNADOVM_HOME:-}" ] || [ ! -f "$TORNADOVM_HOME/tornado-argfile" ]; then
    echo "gapscope: the tornado backend needs an installed TornadoVM: set TORNADOVM_HOME to it (the directory with tornado-argfile and share/java/tornado); see README, 'GPU workstation'." >&2
    exit 3
  fi
  api=$(ls "$TORNADOVM_HOME"/share/java/tornado/tornado-api-*.jar 2>/dev/null | head -n 1)
  if [ -z "$api" ]; then
    echo "gapscope: no tornado-api jar under $TORNADOVM_HOME/share/java/tornado: is TORNADOVM_HOME a TornadoVM installation?" >&2
    exit 3
  fi
  api=$(basename "$api" .jar)
  export GAPSCOPE_TORNADO_VERSION="${api#tornado-api-}"
  mkdir -p "$root/tornado/target"
  export GAPSCOPE_TORNADO_ARGFILE="$root/tornado/target/tornado-argfile"
  sed -e 's#--module-path \.:#--module-path #' "$TORNADOVM_HOME/tornado-argfile" >"$GAPSCOPE_TORNADO_ARGFILE"
}
