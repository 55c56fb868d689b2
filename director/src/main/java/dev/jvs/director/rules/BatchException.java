package dev.jvs.director.rules;

import dev.jvs.model.IpvsadmException;

/**
 * A batch was rejected as a whole because the command at {@link #index()} failed, or because of what the whole
 * batch would make of the table ({@link #WHOLE_BATCH}); nothing was applied.
 */
public final class BatchException extends Exception {

    /** The index of a batch refused for its result rather than for one of its commands. */
    public static final int WHOLE_BATCH = -1;

    private final int index;
    private final IpvsadmException error;

    public BatchException(int index, IpvsadmException error) {
        super(error.getMessage(), error, false, false);
        this.index = index;
        this.error = error;
    }

    /** Position of the failing command in the batch, from 0; {@link #WHOLE_BATCH} when no one command failed. */
    public int index() {
        return index;
    }

    /** The kernel's error for that command (message and exit status 255). */
    public IpvsadmException error() {
        return error;
    }
}
