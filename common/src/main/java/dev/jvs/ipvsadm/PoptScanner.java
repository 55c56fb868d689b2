package dev.jvs.ipvsadm;

import java.util.ArrayList;
import java.util.List;

/**
 * Walks an argument vector the way popt does for ipvsadm: options may be interleaved with positional
 * arguments (collected as leftovers), {@code --} ends option processing, short options bundle, values attach
 * or follow, long options take {@code --name value} or {@code --name=value}.
 */
final class PoptScanner {

    /** One recognised option and its value (null when it has none). */
    record Found(PoptOption option, String value) {
    }

    /** A popt error: printed as {@code BADOPTION: REASON}. */
    static final class PoptError extends Exception {
        final String badOption;
        final String reason;

        PoptError(String badOption, String reason) {
            super(badOption + ": " + reason, null, false, false);
            this.badOption = badOption;
            this.reason = reason;
        }
    }

    private final List<String> args;
    private final List<String> leftovers = new ArrayList<>();
    private int next;
    private boolean optionsEnded;
    /** Unprocessed letters of the current short-option cluster, or null. */
    private String cluster;
    private String clusterToken;
    /** The last argument consumed: what popt's poptBadOption reports. */
    private String lastConsumed = "";

    PoptScanner(List<String> args) {
        this.args = args;
    }

    List<String> leftovers() { return leftovers; }

    String lastConsumed() { return lastConsumed; }

    /** The next option, or null when the arguments are exhausted. */
    Found next() throws PoptError {
        if (cluster != null && !cluster.isEmpty()) return shortOption(true);
        cluster = null;
        while (next < args.size()) {
            String arg = args.get(next++);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                leftovers.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            lastConsumed = arg;
            if (arg.startsWith("--")) return longOption(arg);
            clusterToken = arg;
            cluster = arg.substring(1);
            return shortOption(false);
        }
        return null;
    }

    private Found longOption(String arg) throws PoptError {
        String name = arg.substring(2);
        String value = null;
        int equals = name.indexOf('=');
        if (equals >= 0) {
            value = name.substring(equals + 1);
            name = name.substring(0, equals);
        }
        PoptOption option = PoptOption.byLongName(name);
        if (option == null) throw new PoptError(arg, "unknown option");
        switch (option.arg) {
            case NONE -> {
                if (value != null) throw new PoptError(arg, "option does not take an argument");
            }
            case REQUIRED -> {
                if (value == null) value = takeNextArgument(arg);
            }
            case OPTIONAL -> {
                if (value == null && nextIsOptionalValue()) value = consume();
            }
        }
        return new Found(option, value);
    }

    private Found shortOption(boolean bundled) throws PoptError {
        char letter = cluster.charAt(0);
        String rest = cluster.substring(1);
        bundled |= !rest.isEmpty();
        PoptOption option = PoptOption.byShortLetter(letter);
        if (option == null) throw new PoptError(clusterToken, "unknown option");
        if (rest.startsWith("=")) rest = rest.substring(1); // popt skips one '=' after a short option
        if (option.arg == PoptOption.Arg.NONE) {
            cluster = rest;
            return new Found(option, null);
        }
        // An option with a value ends the cluster: the rest of the cluster is the value.
        cluster = null;
        if (!rest.isEmpty()) return new Found(option, rest);
        if (option.arg == PoptOption.Arg.OPTIONAL) {
            // -p bundled with other letters takes no value; alone it takes the next word unless that is an option
            return new Found(option, !bundled && nextIsOptionalValue() ? consume() : null);
        }
        return new Found(option, takeNextArgument(clusterToken));
    }

    private String takeNextArgument(String optionText) throws PoptError {
        if (next >= args.size()) throw new PoptError(optionText, "missing argument");
        return consume();
    }

    /** popt (>= 1.16) gives an optional argument the next word only if it does not begin with '-'. */
    private boolean nextIsOptionalValue() {
        return !optionsEnded && next < args.size() && !args.get(next).startsWith("-");
    }

    private String consume() {
        lastConsumed = args.get(next++);
        return lastConsumed;
    }
}
