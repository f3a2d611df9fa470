package io.keel.echo;

import java.util.Collection;
import java.util.List;

/**
 * The command-line conventions of the example programs ({@code keel-echo}, {@code keel-chat}): GNU-style long
 * options, a value either as the next argument or after {@code =}, and messages that say what is wrong in one
 * sentence. The programs keep their own options; this walks the arguments and checks values.
 */
public final class CommandLine {
    private CommandLine() {
    }

    /** Receives one option of the command line, in order. */
    @FunctionalInterface
    public interface Receiver {
        /**
         * Takes one option.
         *
         * @param option the option as written, without any {@code =value} part
         * @param value its value, or null for a flag
         * @throws UsageException when the value is not acceptable
         */
        void accept(String option, String value) throws UsageException;
    }

    /**
     * Walks {@code args} and hands each option to {@code receiver}.
     *
     * @param args the program's arguments
     * @param flags the options that take no value (a value given with {@code =} is ignored)
     * @param withValue the options that take a value
     * @param receiver called once per option, in order
     * @throws UsageException for an option in neither list, an option missing its value, or whatever the
     *     receiver throws
     */
    public static void parse(String[] args, Collection<String> flags, Collection<String> withValue, Receiver receiver)
        throws UsageException {
        List<String> a = List.of(args);
        for (int i = 0; i < a.size(); i++) {
            String opt = a.get(i);
            String value = null;
            int eq = opt.indexOf('=');
            if (opt.startsWith("--") && eq > 0) {
                value = opt.substring(eq + 1);
                opt = opt.substring(0, eq);
            }
            if (flags.contains(opt)) {
                receiver.accept(opt, null);
            } else if (withValue.contains(opt)) {
                if (value == null) {
                    if (i + 1 >= a.size()) {
                        throw new UsageException("option " + opt + " needs a value");
                    }
                    value = a.get(++i);
                }
                receiver.accept(opt, value);
            } else {
                throw new UsageException("unknown option '" + opt + "'");
            }
        }
    }

    /**
     * The whole number {@code v} given to {@code opt}.
     *
     * @return the number, in {@code [min, max]}
     * @throws UsageException when {@code v} is not a whole number or is out of range
     */
    public static int intIn(String opt, String v, int min, int max) throws UsageException {
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                throw new UsageException(opt + " must be between " + min + " and " + max + ", not " + v);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new UsageException(opt + " needs a whole number, not '" + v + "'");
        }
    }

    /**
     * The value {@code v} given to {@code opt}, which must be one of {@code allowed} (compared exactly).
     *
     * @return {@code v}
     * @throws UsageException naming the allowed values, as in "--mode must be ws or wss, not 'x'"
     */
    public static String oneOf(String opt, String v, String... allowed) throws UsageException {
        if (List.of(allowed).contains(v)) {
            return v;
        }
        int n = allowed.length;
        String choices = n == 1 ? allowed[0]
            : String.join(", ", List.of(allowed).subList(0, n - 1)) + " or " + allowed[n - 1];
        throw new UsageException(opt + " must be " + choices + ", not '" + v + "'");
    }
}
