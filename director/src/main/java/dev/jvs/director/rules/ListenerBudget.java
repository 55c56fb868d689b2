package dev.jvs.director.rules;

import dev.jvs.model.IpvsadmException;
import dev.jvs.model.ServiceKey;

/**
 * How many listening sockets the table may make the director open. Every batch is checked before it is published:
 * one whose table would need more sockets than {@link #allowed()} (and more than the table before it, so that a
 * table over the budget can still shrink) is refused whole, and the table stays as it was.
 */
public interface ListenerBudget {

    /** No budget (tests, embedders). */
    ListenerBudget UNLIMITED = new ListenerBudget() {
        @Override
        public int sockets(ServiceKey key, int servers, boolean allMasquerading) {
            return 0;
        }

        @Override
        public long allowed() {
            return Long.MAX_VALUE;
        }

        @Override
        public IpvsadmException refusal(long sockets) {
            throw new IllegalStateException("an unlimited budget refuses nothing");
        }
    };

    /**
     * The sockets a service with this key needs, given how many real servers it has and whether they are all
     * masquerading (NAT); 0 when it needs none.
     */
    int sockets(ServiceKey key, int servers, boolean allMasquerading);

    /** The most sockets the whole table may need. */
    long allowed();

    /** The error for a batch whose table would need {@code sockets}. */
    IpvsadmException refusal(long sockets);
}
