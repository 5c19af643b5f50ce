# Sourced by scripts/gapscope (with --spark) and scripts/spark-cluster: builds the spark module when it is
# missing or older than the sources, and sets
#   GAPSCOPE_SPARK_CP        spark/target/gapscope-spark.jar, then Spark's jars as Maven resolved them
#   GAPSCOPE_SPARK_JVM_OPTS  (array) the flags Spark's launcher gives its JVMs on Java 17+
#                            (org.apache.spark.launcher.JavaModuleOptions of Spark 4.2.0)
# Needs JAVA_HOME (scripts/jdk.sh). GAPSCOPE_SPARK_BUILD=0 skips the build check (the spark module's tests,
# which run inside a build, start the cluster with it).
GAPSCOPE_SPARK_JVM_OPTS=(-XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
  -Dio.netty.tryReflectionSetAccessible=true)
gapscope_spark_setup() {
  local root="$1" sjar="$1/spark/target/gapscope-spark.jar" ajar="$1/app/target/gapscope.jar"
  if [ "${GAPSCOPE_SPARK_BUILD:-1}" != 0 ] && { [ ! -f "$sjar" ] || [ ! -f "$ajar" ] || [ ! -f "$root/spark/target/spark-classpath.txt" ] \
     || [ -n "$(find "$root/pom.xml" "$root"/kernels "$root"/core "$root"/app "$root"/spark -newer "$sjar" \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -not -path '*/target/*' -print -quit 2>/dev/null)" ]; }; then
    echo "gapscope: building the spark module (first run with --spark or sources changed)..." >&2
    if ! (cd "$root" && ./mvnw -q -B -DskipTests -pl spark -am package >"$root/target-build.log" 2>&1); then
      echo "gapscope: build failed; see $root/target-build.log" >&2
      exit 1
    fi
    rm -f "$root/target-build.log"
    touch "$sjar"
  fi
  GAPSCOPE_SPARK_CP="$sjar:$(cat "$root/spark/target/spark-classpath.txt")"
}

# gapscope_spark_aot ROOT CLASSPATH GAPSCOPE-ARGS... -- JVM-OPTIONS...: sets GAPSCOPE_SPARK_AOT_OPTS (array) to
# use the driver's ahead-of-time class cache (JDK 25, JEP 483/514: Spark's ~10^4 classes loaded and linked
# once, not at every start), spark/target/spark-driver.aot. It is recorded by a training run (a tiny sweep gap
# on local[1], with the same class path and JVM options) when missing or older than the jars; without it
# (recording failed, or GAPSCOPE_SPARK_AOT=0) the array is empty and the driver starts as before. When the
# --spark master among GAPSCOPE-ARGS is the URL of scripts/spark-cluster's cluster
# ($GAPSCOPE_SPARK_CLUSTER_DIR) and that cluster recorded its executors' cache, the executors get it too.
gapscope_spark_aot() {
  local root="$1" cp="$2" a prev="" master=""
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    a="$1"
    case "$a" in --spark=*) master="${a#--spark=}" ;; esac
    [ "$prev" = --spark ] && master="$a"
    prev="$a"
    shift
  done
  [ $# -gt 0 ] && shift
  GAPSCOPE_SPARK_AOT_OPTS=()
  [ "${GAPSCOPE_SPARK_AOT:-1}" = 0 ] && return 0
  local cdir="${GAPSCOPE_SPARK_CLUSTER_DIR:-$root/target/spark-cluster}"
  if [ -n "$master" ] && [ -f "$cdir/executor.aot" ] && [ "$(cat "$cdir/master.url" 2>/dev/null)" = "$master" ]; then
    GAPSCOPE_SPARK_AOT_OPTS+=("-Dspark.executor.extraJavaOptions=-XX:AOTCache=$cdir/executor.aot -Xlog:aot=off -Xlog:cds=off")
  fi
  local cache="$root/spark/target/spark-driver.aot" j stale=0
  [ -f "$cache" ] || stale=1
  for j in "$root/spark/target/gapscope-spark.jar" "$root/app/target/gapscope.jar" "$root/spark/target/spark-classpath.txt"; do
    [ "$j" -nt "$cache" ] && stale=1
  done
  if [ "$stale" = 1 ]; then
    local tmp
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/gapscope-aot.XXXXXX")"
    echo "gapscope: recording the Spark driver's class cache (once per build)..." >&2
    if "$JAVA_HOME/bin/java" "$@" -XX:AOTCacheOutput="$tmp/driver.aot" -cp "$cp" org.gapscope.cli.Main sweep gap \
         --vocab 64 --heads 2 --tokens 2 --seed 1,2 --backend cpu --progress off --out "$tmp/run" --spark 'local[1]' \
         >"$tmp/log" 2>&1 </dev/null && [ -s "$tmp/driver.aot" ]; then
      mv -f "$tmp/driver.aot" "$cache"
    else
      echo "gapscope: could not record the class cache; the driver starts without it" >&2
    fi
    rm -rf "$tmp"
  fi
  [ -f "$cache" ] && GAPSCOPE_SPARK_AOT_OPTS+=(-XX:AOTCache="$cache" -Xlog:aot=off -Xlog:cds=off)
  return 0
}
