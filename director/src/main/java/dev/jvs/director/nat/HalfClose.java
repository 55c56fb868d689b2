package dev.jvs.director.nat;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.Native;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Sends a FIN on a proxied socket whose written bytes are all flushed.
 *
 * <p>Netty's {@code shutdownOutput()} builds an exception with a full stack trace on every call (to fail
 * writes queued after the shutdown), whether or not any are queued: under a load of short connections on
 * io_uring, 2.4 % of the event loops' time, and stack traces were 15 % of the bytes allocated. Here nothing is
 * queued (the caller waited for the flush) and nothing is written after the FIN, so the native transports shut
 * the socket itself; the channel reads it as shut ({@code isOutputShutdown()}), and its close releases it as
 * always. NIO keeps Netty's way.
 */
final class HalfClose {

    /** Netty's own way to add to an epoll channel's interest set (protected: reached by reflection, once). */
    private static final Method EPOLL_SET_FLAG = epollSetFlag();

    private HalfClose() {
    }

    /**
     * Keeps a socket whose FIN came, and that is still written to, in its event loop's epoll set. Netty 4.2.18's
     * epoll transport takes a socket out of the set once it waits for nothing (no reading after the FIN, its
     * RDHUP handled) yet goes on as if it were in: the next write that has to wait for room fails (epoll_ctl MOD:
     * ENOENT), and the rest of the stream to that peer is cut off. Interest in EPOLLERR, which epoll reports
     * anyway, keeps the socket in the set. Called when the FIN's event arrives, while the socket is still in.
     */
    static void keepInEpollSet(Channel channel) {
        if (!(channel instanceof EpollSocketChannel) || EPOLL_SET_FLAG == null || !channel.isOpen()) return;
        try {
            EPOLL_SET_FLAG.invoke(channel, Native.EPOLLERR);
        } catch (InvocationTargetException failed) {
            channel.pipeline().fireExceptionCaught(failed.getCause()); // the socket is gone: closed as on any error
        } catch (IllegalAccessException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static Method epollSetFlag() {
        try {
            for (Class<?> c = EpollSocketChannel.class; c != null; c = c.getSuperclass()) {
                for (Method m : c.getDeclaredMethods()) {
                    if (m.getName().equals("setFlag") && m.getParameterCount() == 1) {
                        m.setAccessible(true);
                        return m;
                    }
                }
            }
            return null;
        } catch (RuntimeException | LinkageError notThisNetty) {
            return null; // another Netty: the test of half-closed bulk transfers on epoll says whether it is needed
        }
    }

    /** Sends the FIN; false if the socket was gone already (reset by its peer), and then closes it. */
    static boolean shutdownOutput(Channel channel) {
        if (channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
            try {
                socket.shutdown(false, true);
                return true;
            } catch (IOException | RuntimeException gone) {
                channel.close();
                return false;
            }
        }
        ((DuplexChannel) channel).shutdownOutput();
        return true;
    }
}
