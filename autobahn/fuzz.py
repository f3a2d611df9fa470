# Jython 2.7 driver for the Autobahn|Testsuite fuzzingclient (bundled in
# autobahntestsuite-maven-plugin 0.1.5). Run by run.sh as:
#   java -cp jython-standalone-2.7.2.jar:autobahntestsuite-maven-plugin-0.1.5.jar \
#        org.python.util.jython fuzz.py --url ws://H:P --agent A --out DIR \
#        --cases "1.*,2.*" --exclude "12.*,13.*" [--log FILE] [--no-accel] [--grade-only]
# Runs the cases (unless --grade-only), then grades DIR/index.json strictly:
# a case passes only if behavior AND behaviorClose are OK or INFORMATIONAL.
# Prints "FAIL <id> behavior=<b> behaviorClose=<bc> ..." lines, then the final
# line "autobahn: N passed, M failed". Exit: 0 all passed, 1 failures, 2 no case ran.
from __future__ import print_function
import sys, os, json

PASS = ("OK", "INFORMATIONAL")


def split(s):
    return [x.strip() for x in s.split(",") if x.strip()]


def use_extracted_sources(pylib, jar):
    """Import the testsuite from a directory instead of the jar: Jython then caches the
    compiled modules as *$py.class next to the sources, which saves ~10 s of parsing per run.
    Extracted once (to a temp dir, then renamed, so concurrent first runs are safe)."""
    import zipfile, tempfile, shutil
    if not os.path.isdir(pylib):
        parent = os.path.dirname(os.path.abspath(pylib))
        if not os.path.isdir(parent):
            os.makedirs(parent)
        tmp = tempfile.mkdtemp(prefix=".pylib-", dir=parent)
        z = zipfile.ZipFile(jar)
        try:
            for name in z.namelist():
                top = name.split("/")[0]
                if name.endswith("/") or top in ("META-INF", "me") or "/" not in name and (
                        name == "site.py" or name.endswith(".pth")):
                    continue
                dest = os.path.join(tmp, *name.split("/"))
                if not os.path.isdir(os.path.dirname(dest)):
                    os.makedirs(os.path.dirname(dest))
                with open(dest, "wb") as f:
                    f.write(z.read(name))
        finally:
            z.close()
        try:
            os.rename(tmp, pylib)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another run won the race
    sys.path.insert(0, pylib)


def parse_args(argv):
    a = {"url": None, "agent": "keel", "out": "reports", "cases": "", "exclude": "",
         "grade_only": False, "log": None, "accel": True, "pylib": None, "jar": None}
    i = 0
    while i < len(argv):
        k = argv[i]
        if k == "--grade-only":
            a["grade_only"] = True
            i += 1
            continue
        if k == "--no-accel":
            a["accel"] = False
            i += 1
            continue
        if k not in ("--url", "--agent", "--out", "--cases", "--exclude", "--log", "--pylib", "--jar") or i + 1 >= len(argv):
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


def install_accelerators():
    """Speed up the fuzzing client's two per-octet Python loops, exactly, with JDK code.

    1. Frame masking: Autobahn imports its XOR masker from the optional C accelerator module
       `wsaccel.xormask` when present (else a per-byte Python loop, ~0.5 s/MB under Jython).
       We register a `wsaccel.xormask` whose masker XORs with java.util.BitSet (byte-wise XOR
       of the payload with the 4-octet mask repeated from the current offset).
    2. Incoming UTF-8 validation: the pure-Python DFA validator gets an ASCII fast path: from
       the ACCEPT state, a chunk without any octet >= 0x80 leaves the DFA in ACCEPT, so the
       result is exactly (True, True, len, total). Other chunks still go through the DFA.
    Neither changes what goes on the wire or what is graded; --no-accel disables both."""
    import types, re
    from java.util import BitSet
    from org.python.core.util import StringUtil

    class XorMaskerNull(object):
        def __init__(self, mask=None):
            self.ptr = 0
        def pointer(self):
            return self.ptr
        def reset(self):
            self.ptr = 0
        def process(self, data):
            self.ptr += len(data)
            return data

    class XorMaskerJava(object):
        def __init__(self, mask):
            assert len(mask) == 4
            self.mask = mask
            self.ptr = 0
        def pointer(self):
            return self.ptr
        def reset(self):
            self.ptr = 0
        def process(self, data):
            n = len(data)
            if n == 0:
                return data
            o = self.ptr & 3
            key = (self.mask * (n // 4 + 2))[o:o + n]
            bits = BitSet.valueOf(StringUtil.toBytes(data))
            bits.xor(BitSet.valueOf(StringUtil.toBytes(key)))
            # toByteArray() drops trailing zero octets; the Java String maps octets 1:1 to chars
            out = StringUtil.fromBytes(bits.toByteArray()).encode("latin-1")
            if len(out) < n:
                out += "\x00" * (n - len(out))
            self.ptr += n
            return out

    def createXorMasker(mask, length=None):
        return XorMaskerJava(mask)

    pkg = types.ModuleType("wsaccel")
    mod = types.ModuleType("wsaccel.xormask")
    mod.XorMaskerNull, mod.createXorMasker = XorMaskerNull, createXorMasker
    pkg.xormask = mod
    sys.modules["wsaccel"], sys.modules["wsaccel.xormask"] = pkg, mod

    from autobahn import utf8validator
    V = utf8validator.Utf8Validator
    if not hasattr(V, "UTF8VALIDATOR_DFA"):
        return  # not the pure-Python validator: leave it alone
    dfa_validate = V.validate
    non_ascii = re.compile("[\x80-\xff]")

    def validate(self, ba):
        if self.state == V.UTF8_ACCEPT and non_ascii.search(ba) is None:
            l = len(ba)
            self.i += l
            return True, True, l, self.i
        return dfa_validate(self, ba)
    V.validate = validate


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
    if a["accel"]:
        install_accelerators()
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
        lines.append("[autobahn] no case result: server unreachable, or the run died/timed out before the "
                     "fuzzingclient wrote its reports (see %s/fuzzingclient.log)" % a["out"])
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
    if a["pylib"] and a["jar"]:
        try:
            use_extracted_sources(a["pylib"], a["jar"])
        except Exception as e:  # read-only dir etc.: fall back to importing from the jar
            print("[autobahn] note: cannot use %s (%s); importing from the jar" % (a["pylib"], e),
                  file=sys.stderr)
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
