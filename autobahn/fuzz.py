# Jython 2.7 driver for the Autobahn|Testsuite fuzzingclient (bundled in
# autobahntestsuite-maven-plugin 0.1.5). Run by run.sh as:
#   java -cp jython-standalone-2.7.2.jar:autobahntestsuite-maven-plugin-0.1.5.jar \
#        org.python.util.jython fuzz.py --url ws://H:P --agent A --out DIR \
#        --cases "1.*,2.*" --exclude "12.*,13.*" [--log FILE] [--grade-only]
# Runs the cases (unless --grade-only), then grades DIR/index.json strictly:
# a case passes only if behavior AND behaviorClose are OK or INFORMATIONAL.
# Prints "FAIL <id> behavior=<b> behaviorClose=<bc> ..." lines, then the final
# line "autobahn: N passed, M failed". Exit: 0 all passed, 1 failures, 2 no case ran.
from __future__ import print_function
import sys, os, json

PASS = ("OK", "INFORMATIONAL")


def split(s):
    return [x.strip() for x in s.split(",") if x.strip()]


def parse_args(argv):
    a = {"url": None, "agent": "keel", "out": "reports", "cases": "", "exclude": "",
         "grade_only": False, "log": None}
    i = 0
    while i < len(argv):
        k = argv[i]
        if k == "--grade-only":
            a["grade_only"] = True
            i += 1
            continue
        if k not in ("--url", "--agent", "--out", "--cases", "--exclude", "--log") or i + 1 >= len(argv):
            print("fuzz.py: bad argument %r" % k, file=sys.stderr)
            sys.exit(3)
        a[k[2:]] = argv[i + 1]
        i += 2
    return a


def id_key(cid):
    try:
        return tuple(int(x) for x in cid.split("."))
    except ValueError:
        return (9999, cid)


def expected_cases(cases, exclude):
    """Resolve case patterns exactly like the fuzzingclient does."""
    from autobahntestsuite.case import Cases, CaseCategories, CaseSubCategories, CaseSetname, CaseBasename
    from autobahntestsuite.caseset import CaseSet
    cs = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # resolveCasePatternList prints every pattern
    try:
        ids = cs.parseSpecCases({"cases": cases, "exclude-cases": exclude})
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    unknown = [c for c in ids if c not in cs.CasesIndices]
    return [c for c in ids if c in cs.CasesIndices], unknown


def run(a, cases, exclude):
    try:
        _run(a, cases, exclude)
    except Exception:
        import traceback
        traceback.print_exc()
        print("fuzz.py: the fuzzingclient failed (see above); grading what it left", file=sys.stderr)


def _run(a, cases, exclude):
    spec = {
        "outdir": a["out"],
        "servers": [{"agent": a["agent"], "url": a["url"]}],
        "cases": cases,
        "exclude-cases": exclude,
        "exclude-agent-cases": {},
        # same as the upstream default fuzzingclient spec (spec conformance mode)
        "options": {"failByDrop": False},
    }
    from autobahntestsuite import wstest
    wstest.start({"mode": "fuzzingclient"}, spec)


def grade(a, expected):
    path = os.path.join(a["out"], "index.json")
    results = {}
    if os.path.exists(path):
        with open(path) as f:
            results = json.load(f).get(a["agent"], {})
    failed = []
    passed = 0
    for cid in sorted(results.keys(), key=id_key):
        r = results[cid]
        b, bc = r.get("behavior"), r.get("behaviorClose")
        if b in PASS and bc in PASS:
            passed += 1
        else:
            failed.append("FAIL %s behavior=%s behaviorClose=%s remoteCloseCode=%s" % (
                cid, b, bc, r.get("remoteCloseCode")))
    for cid in expected:
        if cid not in results:
            failed.append("FAIL %s behavior=MISSING behaviorClose=MISSING (case did not run)" % cid)
    lines = list(failed)
    if not results:
        lines.append("autobahn: no case ran (server not reachable? see %s)" % a["out"])
    lines.append("autobahn: %d passed, %d failed" % (passed, len(failed)))
    text = "\n".join(lines) + "\n"
    try:
        with open(os.path.join(a["out"], "grade.txt"), "w") as f:
            f.write(text)
    except IOError:
        pass
    sys.stdout.write(text)
    sys.stdout.flush()
    if not results:
        return 2
    return 1 if failed else 0


def main():
    a = parse_args(sys.argv[1:])
    cases, exclude = split(a["cases"]), split(a["exclude"])
    expected, unknown = expected_cases(cases, exclude)
    if unknown or not expected:
        # usage error: still end stdout with the summary line so callers can always parse it
        if unknown:
            print("[autobahn] error: unknown case id(s): %s" % ", ".join(unknown))
        else:
            print("[autobahn] error: the case patterns select no case")
        print("autobahn: 0 passed, 0 failed")
        sys.exit(3)
    if not a["grade_only"]:
        if a["log"]:
            # keep stdout for the grade lines only; the fuzzer's chatter goes to the log
            log = open(a["log"], "a")
            out, err = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = log
            try:
                run(a, expected, [])
            finally:
                sys.stdout, sys.stderr = out, err
                log.close()
        else:
            run(a, expected, [])
    sys.exit(grade(a, expected))


main()
