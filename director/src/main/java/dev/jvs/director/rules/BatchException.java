package dev.jvs.director.rules;

import dev.jvs.model.IpvsadmException;

/** A batch was rejected as a whole because the command at {@link #index()} failed; nothing was applied. */
public final class BatchException extends Exception {

    private final int index;
    private final IpvsadmException error;

    public BatchException(int index, IpvsadmException error) {
        super(error.getMessage(), error, false, false);
        this.index = index;
        this.error = error;
    }

    /** Position of the failing command in the batch, from 0. */
    public int index() {
        return index;
    }

    /** The kernel's error for that command (message and exit status 255). */
    public IpvsadmException error() {
        return error;
    }
}
