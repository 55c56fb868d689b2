package dev.jvs.healthcheck;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;

import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;

/** Wording shared by the network checkers, so every log line names the server the same way. */
final class Probes {

    private Probes() {
    }

    /** {@code 10.0.0.2:80}, or {@code [::1]:80}. */
    static String describe(InetSocketAddress target) {
        return describe(target.getAddress()) + ":" + target.getPort();
    }

    static String describe(InetAddress address) {
        String text = address.getHostAddress();
        return address instanceof Inet6Address ? "[" + text + "]" : text;
    }

    /** Why talking to {@code target} failed, in an operator's words. */
    static String failure(Throwable cause, InetSocketAddress target, Duration timeout) {
        if (cause instanceof ConnectTimeoutException) {
            return "connect timeout after " + TcpCheck.format(timeout) + " to " + describe(target);
        }
        if (cause instanceof ReadTimeoutException) {
            return "no answer within " + TcpCheck.format(timeout) + " from " + describe(target);
        }
        if (cause instanceof PortUnreachableException) {
            return "port unreachable at " + describe(target);
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof ConnectException && message.contains("Connection refused")) {
            return "connection refused by " + describe(target);
        }
        return "error talking to " + describe(target) + ": " + message;
    }
}
