import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.Socket;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoOps;
import io.netty.util.internal.PlatformDependent;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on Netty's io_uring event loops but below its channels, as a yardstick for JVS NAT
 * (bench/nat_floor.sh): what passing half-closes on costs when each socket is a bare descriptor driven by ring
 * operations, with no channel, pipeline, promise, address lookup or POLLRDHUP poll per socket.
 *
 * <p>One SO_REUSEPORT listener per event loop; accept (with the client's address, as a director needs it), the
 * real server's socket, its TCP_NODELAY, connect, recv, send and close are all ring operations of one
 * registration per proxied pair. Each recv takes a 16 KiB buffer from the loop's group only once data is there,
 * and the flow reads again only once that buffer is sent and back in the group: that is the backpressure, and a
 * connection that waits holds no buffer. A FIN is passed on as a shutdown of the other side's output once what
 * came before it is sent; the pair closes once both sides' FINs came, as JVS (and IPVS) do.
 *
 * <p>Usage: {@code java -cp CLASSES:director/target/lib/* RingRelay PORT REAL_PORT...} (all on 127.0.0.1).
 */
public final class RingRelay {

    /** Ring operations that failed where they should not: printed at exit, a relay that errs is no yardstick. */
    private static final AtomicLong FAULTS = new AtomicLong();

    private final long[] realServers; // native sockaddr_in, one per real server
    private int next;                 // round robin; each loop has its own RingRelay
    private final Buffers buffers = new Buffers();

    private RingRelay(long[] realServers) {
        this.realServers = realServers;
    }

    public static void main(String[] args) throws Exception {
        MultiThreadIoEventLoopGroup group = Ring.loops("RingRelay", args, FAULTS);
        int port = Integer.parseInt(args[0]);
        for (int i = 0; i < group.executorCount(); i++) {
            IoEventLoop loop = group.next();
            RingRelay relay = new RingRelay(Ring.realServers(args, 1));
            loop.submit(() -> {
                Socket listener = Socket.newSocketStream();
                listener.setReuseAddress(true);
                listener.setReusePort(true);
                listener.setTcpNoDelay(true); // accepted sockets inherit it
                listener.bind(new InetSocketAddress("127.0.0.1", port));
                listener.listen(4096);
                relay.buffers.start(loop);
                Acceptor acceptor = relay.new Acceptor(loop, listener.intValue());
                acceptor.registration = loop.register(acceptor).sync().getNow();
                acceptor.arm();
                return null;
            }).sync();
        }
        group.terminationFuture().sync();
    }

    /** The listener's handle: one accept in flight, with room for the client's address. */
    private final class Acceptor implements IoUringIoHandle {
        private final IoEventLoop loop;
        private final int fd;
        private final long address;
        private final long addressLength;
        IoRegistration registration;

        Acceptor(IoEventLoop loop, int fd) {
            this.loop = loop;
            this.fd = fd;
            address = Ring.address(Ring.memory(128 + 8));
            addressLength = address + 128;
        }

        void arm() {
            registration.submit(Ring.accept(fd, address, addressLength, (short) 0));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            int res = ((IoUringIoEvent) event).res();
            if (res >= 0) {
                // What a director reads of the client: its address and port, without making objects of them.
                int clientIp = PlatformDependent.getInt(address + 4);
                int clientPort = PlatformDependent.getShort(address + 2) & 0xffff;
                if ((clientIp | clientPort) == 0) FAULTS.incrementAndGet();
                Pair pair = new Pair(res, realServers[next++ % realServers.length], buffers);
                pair.start(loop);
            } else {
                FAULTS.incrementAndGet();
            }
            arm();
        }

        @Override
        public void close() {
        }
    }

    /**
     * The loop's buffers: one group the kernel takes from as data comes ({@code IORING_OP_PROVIDE_BUFFERS}), so that
     * a connection that waits holds none. A buffer goes back once what was read into it is sent.
     */
    private static final class Buffers implements IoUringIoHandle {
        private static final short GROUP = 7;
        private static final int COUNT = 1024;

        private final long base = Ring.address(Ring.memory(COUNT * Ring.BUFFER));
        private final ArrayDeque<Pair.Flow> waiting = new ArrayDeque<>();
        private IoRegistration registration;

        void start(IoEventLoop loop) throws Exception {
            registration = loop.register(this).sync().getNow();
            registration.submit(Ring.provideBuffers(base, COUNT, GROUP, 0, (short) 0));
        }

        long address(int id) {
            return base + (long) id * Ring.BUFFER;
        }

        void giveBack(int id) {
            registration.submit(Ring.provideBuffers(address(id), 1, GROUP, id, (short) 0));
            for (Pair.Flow next; (next = waiting.poll()) != null; ) {
                if (next.recvAgain()) break;
            }
        }

        /** A recv found the group empty: it is submitted again when a buffer comes back. */
        void await(Pair.Flow flow) {
            waiting.add(flow);
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (((IoUringIoEvent) event).res() < 0) FAULTS.incrementAndGet();
        }

        @Override
        public void close() {
        }
    }

    /**
     * One proxied connection: the client's and the real server's descriptors, a flow per direction and the
     * operations in flight, all on one loop. {@code data} of each operation says which one completed.
     */
    private final class Pair implements IoUringIoHandle {
        private static final short SOCKET = 1, NODELAY = 2, CONNECT = 3, RECV_C = 4, SEND_B = 5, RECV_B = 6,
                SEND_C = 7, CLOSE_C = 10, CLOSE_B = 11, CANCEL_C = 12, CANCEL_B = 13;

        private final int client;
        private final long realServer;
        private final Buffers buffers;
        private final Flow up = new Flow(true, RECV_C, SEND_B);
        private final Flow down = new Flow(false, RECV_B, SEND_C);
        private int backend = -1;
        private IoRegistration registration;
        private boolean connected, closing;
        private int inFlight;

        Pair(int client, long realServer, Buffers buffers) {
            this.client = client;
            this.realServer = realServer;
            this.buffers = buffers;
        }

        void start(IoEventLoop loop) {
            registration = loop.register(this).getNow(); // on the loop itself: registered at once
            submit(Ring.socket(SOCKET));
            up.recv();
        }

        private void submit(IoUringIoOps ops) {
            registration.submit(ops);
            inFlight++;
        }

        /** One direction: what was read from one socket, being sent to the other. */
        final class Flow {
            private final boolean fromClient;
            private final short recvOp;
            private final short sendOp;
            private int buffer = -1;
            private int length;
            private int sent;
            /** Its source's FIN came. */
            boolean ended;

            Flow(boolean fromClient, short recvOp, short sendOp) {
                this.fromClient = fromClient;
                this.recvOp = recvOp;
                this.sendOp = sendOp;
            }

            private int source() {
                return fromClient ? client : backend;
            }

            private int sink() {
                return fromClient ? backend : client;
            }

            void recv() {
                submit(Ring.recvSelecting(source(), Buffers.GROUP, recvOp));
            }

            /** After the group ran dry: false if this pair has closed meanwhile. */
            boolean recvAgain() {
                if (closing) return false;
                recv();
                return true;
            }

            void sendRest() {
                submit(Ring.send(sink(), buffers.address(buffer) + sent, length - sent, sendOp));
            }

            void received(int res, int flags) {
                int taken = Ring.selectedBuffer(flags);
                if (closing || res <= 0) {
                    if (taken >= 0) buffers.giveBack(taken);
                    if (closing) return;
                    if (res == 0) {
                        ended = true;
                        if (connected) endOutput(this);
                    } else if (Ring.outOfBuffers(res)) {
                        buffers.await(this);
                    } else {
                        fail();
                    }
                    return;
                }
                buffer = taken;
                length = res;
                sent = 0;
                if (connected) sendRest();
            }

            void sentSome(int res) {
                if (closing) return;
                if (res < 0) {
                    fail();
                    return;
                }
                sent += res;
                if (sent < length) {
                    sendRest();
                    return;
                }
                buffers.giveBack(buffer);
                buffer = -1;
                recv();
            }

            /** Once connected: what came before goes on. */
            void connected() {
                if (buffer >= 0) sendRest();
                else if (ended) endOutput(this);
            }

            void release() {
                if (buffer >= 0) buffers.giveBack(buffer);
                buffer = -1;
            }
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            IoUringIoEvent e = (IoUringIoEvent) event;
            int res = e.res();
            inFlight--;
            switch ((short) e.userData()) {
                case SOCKET -> {
                    if (res < 0 || closing) {
                        if (res >= 0) submit(Ring.close(res, CLOSE_B));
                        fail();
                        break;
                    }
                    backend = res;
                    submit(Ring.setTcpNoDelay(backend, NODELAY));
                    submit(Ring.connect(backend, realServer, CONNECT));
                }
                case NODELAY -> {
                    if (res < 0) FAULTS.incrementAndGet();
                }
                case CONNECT -> {
                    if (res < 0 || closing) {
                        fail();
                        break;
                    }
                    connected = true;
                    up.connected();
                    down.recv();
                }
                case RECV_C -> up.received(res, e.flags());
                case RECV_B -> down.received(res, e.flags());
                case SEND_B -> up.sentSome(res);
                case SEND_C -> down.sentSome(res);
                case CANCEL_C, CANCEL_B -> { }
                case CLOSE_C, CLOSE_B -> {
                    if (res < 0) FAULTS.incrementAndGet();
                }
                default -> FAULTS.incrementAndGet();
            }
            if (closing && inFlight == 0) finish();
        }

        /**
         * A flow's FIN came and all it carried before is sent: pass the FIN on to its sink, or, when the other
         * flow's FIN came already, close both.
         */
        private void endOutput(Flow flow) {
            if (up.ended && down.ended) {
                closeBoth(false);
            } else if (Ring.shutdownOutput(flow.sink()) != 0) {
                fail();
            }
        }

        private void fail() {
            closeBoth(true);
        }

        private void closeBoth(boolean cancelFirst) {
            if (closing) return;
            closing = true;
            if (cancelFirst) {
                // A reset or a failed connect: the other side may still have a recv in flight.
                submit(Ring.cancelAll(client, CANCEL_C));
            }
            submit(Ring.close(client, CLOSE_C));
            if (backend >= 0) {
                if (cancelFirst) {
                    submit(Ring.cancelAll(backend, CANCEL_B));
                }
                submit(Ring.close(backend, CLOSE_B));
            }
        }

        private void finish() {
            up.release();
            down.release();
            registration.cancel();
        }

        @Override
        public void close() {
        }
    }
}
