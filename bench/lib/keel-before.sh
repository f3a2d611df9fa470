# Sourced by compare-all.sh and fairness-all.sh (needs $root, $work, JAVA_HOME/PATH set): "Keel before" is the
# echo jar of an earlier revision, so that a change can be measured against its parent in the same run.
#   build_keel_before REV    exports the revision's tree with `git archive` into bench/.work/before-SHORT/ and builds
#                            keel-examples there (mvn -o, then online if offline fails), once: the jar is reused
#                            while bench/.work/before-SHORT/.built names the same commit.
# Sets keel_before_rev (short sha), keel_before_jar, keel_before_error (empty on success).
build_keel_before() { # REV
  local rev=$1 sha dir blog
  keel_before_error="" keel_before_jar="" keel_before_rev=""
  sha=$(git -C "$root" rev-parse --verify -q "$rev^{commit}") || { keel_before_error="unknown revision '$rev'"; return 1; }
  keel_before_rev=$(git -C "$root" rev-parse --short=7 "$sha")
  dir=$work/before-$keel_before_rev blog=$work/before-$keel_before_rev.build.log
  keel_before_jar=$dir/keel-examples/target/keel-echo.jar
  if [ -f "$keel_before_jar" ] && [ "$(cat "$dir/.built" 2>/dev/null)" = "$sha" ]; then return 0; fi
  echo "$(basename "$0"): building Keel at $keel_before_rev into ${dir#"$root"/} (log ${blog#"$root"/})" >&2
  rm -rf "$dir" && mkdir -p "$dir" && git -C "$root" archive "$sha" | tar -x -C "$dir" ||
    { keel_before_error="cannot export $keel_before_rev with git archive"; return 1; }
  if ! (cd "$dir" && mvn -q -B -ntp -o package -DskipTests -pl keel-examples -am) >"$blog" 2>&1; then
    echo "$(basename "$0"): offline build failed, trying online" >&2
    (cd "$dir" && mvn -q -B -ntp package -DskipTests -pl keel-examples -am) >>"$blog" 2>&1 ||
      { keel_before_error="build of $keel_before_rev failed: $(grep -v Unsafe "$blog" | grep -m1 -e ERROR -e error | cut -c1-160)"; return 1; }
  fi
  [ -f "$keel_before_jar" ] || { keel_before_error="build of $keel_before_rev made no keel-echo.jar"; return 1; }
  echo "$sha" >"$dir/.built"
}
