# Sourced by the launchers at the project root (./keel-echo, ./keel-chat) as `. bin/lib/examples-jar.sh NAME`:
# finds a JDK >= 21 and builds the shaded jar of keel-examples when it is missing or older than any source.
# Needs: root (the project root). Sets and exports JAVA_HOME and PATH; sets jar. NAME prefixes the messages.
JAVA_HOME=$("$root/bin/find-jdk") || exit 1
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
jar="$root/keel-examples/target/keel-echo.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root" -path "$root/.git" -prune -o -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "$1: building (first run or sources changed)..." >&2
  log=$(mktemp)
  if ! (cd "$root" && mvn -q -B -DskipTests package) >"$log" 2>&1; then
    grep -v 'Unsafe' "$log" | tail -n 30 >&2; rm -f "$log"
    echo "$1: build failed" >&2; exit 1
  fi
  rm -f "$log"
fi
