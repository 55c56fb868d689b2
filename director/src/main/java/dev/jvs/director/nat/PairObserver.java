package dev.jvs.director.nat;

import io.netty.channel.Channel;

/** Tests only: sees the two channels of each proxied pair, e.g. to check that they are released when it ends. */
interface PairObserver {

    PairObserver NONE = (client, backend) -> { };

    void paired(Channel client, Channel backend);
}
