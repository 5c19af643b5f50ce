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
