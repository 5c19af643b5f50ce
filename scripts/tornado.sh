# Sourced by scripts/gapscope and scripts/test when the tornado backend is wanted: checks
# TORNADOVM_HOME (an installed TornadoVM, built from https://github.com/beehive-lab/TornadoVM), finds
# the version of its API jar (passed to Maven as -Dtornado.version) and writes a copy of its argfile
# without the current directory on the module path (TornadoVM's argfile starts the module path with
# '.', which turns any jar in the directory gapscope is started from into a broken module), whose
# module path leaves out the libraries gapscope brings itself: TornadoVM's distribution carries an older
# EJML for its own benchmarks, and as a resolved automatic module it would shadow gapscope's EJML on the
# class path (NoSuchMethodError in the attribution op).
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
  local mods="$root/tornado/target/tornado-modules" jar
  rm -rf "$mods"
  mkdir -p "$mods"
  for jar in "$TORNADOVM_HOME"/share/java/tornado/*.jar; do
    case "$(basename "$jar")" in
      ejml-*) ;;
      *) ln -s "$jar" "$mods/" ;;
    esac
  done
  sed -e 's#--module-path \.:#--module-path #' \
      -e "s#--module-path [^:[:space:]]*share/java/tornado#--module-path $mods#" \
      "$TORNADOVM_HOME/tornado-argfile" >"$GAPSCOPE_TORNADO_ARGFILE"
}
