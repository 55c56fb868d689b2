package dev.jvs.ipvsadm;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Address text in the C library's forms: {@code inet_aton} (lenient IPv4), {@code inet_pton} (strict IPv6)
 * and {@code inet_ntop} output. Written by hand because Java's own parsers accept other forms (scope ids,
 * brackets) and turn IPv4-mapped IPv6 addresses into IPv4 ones.
 */
public final class InetText {

    private InetText() {
    }

    /** {@code inet_aton}: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last fills the rest. */
    public static Inet4Address parseInetAton(String text) {
        int end = 0;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end))) end++;
        String core = text.substring(0, end); // glibc stops at white space and ignores what follows
        if (core.isEmpty()) return null;
        String[] parts = core.split("\\.", -1);
        if (parts.length > 4) return null;
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            long v = parsePart(parts[i]);
            if (v < 0) return null;
            values[i] = v;
        }
        long result = 0;
        for (int i = 0; i < parts.length - 1; i++) {
            if (values[i] > 255) return null;
            result |= values[i] << (8 * (3 - i));
        }
        long last = values[parts.length - 1];
        long lastLimit = parts.length == 1 ? 0xFFFFFFFFL : (1L << (8 * (5 - parts.length))) - 1;
        if (last > lastLimit) return null;
        return ipv4((int) (result | last));
    }

    private static long parsePart(String part) {
        if (part.isEmpty()) return -1;
        int base = 10;
        int i = 0;
        if (part.startsWith("0x") || part.startsWith("0X")) {
            base = 16;
            i = 2;
        } else if (part.length() > 1 && part.charAt(0) == '0') {
            base = 8;
            i = 1;
        }
        long value = 0;
        for (; i < part.length(); i++) {
            int digit = Character.digit(part.charAt(i), base);
            if (digit < 0) return -1;
            value = value * base + digit;
            if (value > 0xFFFFFFFFL) return -1;
        }
        return value;
    }

    /** Strict dotted quad as {@code inet_pton(AF_INET)} accepts it (no leading zeros, four parts). */
    public static Inet4Address parseDottedQuad(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) return null;
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !CNumbers.allDigits(part)) return null;
            if (part.length() > 1 && part.charAt(0) == '0') return null;
            int octet = Integer.parseInt(part);
            if (octet > 255) return null;
            value = value << 8 | octet;
        }
        return ipv4(value);
    }

    /** {@code inet_pton(AF_INET6)}: hex groups, at most one {@code ::}, optional trailing dotted quad. */
    public static Inet6Address parseIpv6(String text) {
        byte[] bytes = new byte[16];
        String head = text;
        String tail = "";
        int gap = text.indexOf("::");
        if (gap >= 0) {
            if (text.indexOf("::", gap + 1) >= 0) return null;
            head = text.substring(0, gap);
            tail = text.substring(gap + 2);
        }
        int[] headWords = groups(head, gap < 0);
        int[] tailWords = gap < 0 ? new int[0] : groups(tail, true);
        if (headWords == null || tailWords == null) return null;
        int used = headWords.length + tailWords.length;
        if (gap < 0 ? used != 8 : used > 7) return null;
        for (int i = 0; i < headWords.length; i++) putWord(bytes, i, headWords[i]);
        for (int i = 0; i < tailWords.length; i++) putWord(bytes, 8 - tailWords.length + i, tailWords[i]);
        try {
            return Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Parses colon-separated hex groups; the last may be a dotted quad (two words) when allowed. */
    private static int[] groups(String text, boolean quadAllowed) {
        if (text.isEmpty()) return new int[0];
        String[] parts = text.split(":", -1);
        int count = parts.length;
        boolean quad = quadAllowed && parts[count - 1].contains(".");
        int[] words = new int[quad ? count + 1 : count];
        for (int i = 0; i < count; i++) {
            String part = parts[i];
            if (quad && i == count - 1) {
                Inet4Address v4 = parseDottedQuad(part);
                if (v4 == null) return null;
                int value = toInt(v4);
                words[i] = value >>> 16;
                words[i + 1] = value & 0xFFFF;
                continue;
            }
            if (part.isEmpty() || part.length() > 4) return null;
            int value = 0;
            for (int j = 0; j < part.length(); j++) {
                int digit = Character.digit(part.charAt(j), 16);
                if (digit < 0) return null;
                value = value * 16 + digit;
            }
            words[i] = value;
        }
        return words;
    }

    private static void putWord(byte[] bytes, int index, int word) {
        bytes[2 * index] = (byte) (word >>> 8);
        bytes[2 * index + 1] = (byte) word;
    }

    /** {@code inet_ntop} text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run of 2+ as {@code ::}). */
    public static String format(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) return (b[0] & 255) + "." + (b[1] & 255) + "." + (b[2] & 255) + "." + (b[3] & 255);
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) words[i] = (b[2 * i] & 255) << 8 | (b[2 * i + 1] & 255);
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && words[i] == 0) i++;
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        if (bestLength < 2) bestStart = -1; // a single zero group is written as 0
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            // glibc writes an embedded IPv4 tail for IPv4-compatible and IPv4-mapped addresses
            if (i == 6 && bestStart == 0 && (bestLength == 6 || bestLength == 5 && words[5] == 0xFFFF)) {
                if (out.charAt(out.length() - 1) != ':') out.append(':');
                out.append((b[12] & 255) + "." + (b[13] & 255) + "." + (b[14] & 255) + "." + (b[15] & 255));
                break;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(words[i]));
        }
        return out.toString();
    }

    static Inet4Address ipv4(int value) {
        byte[] bytes = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static int toInt(InetAddress v4) {
        byte[] b = v4.getAddress();
        return (b[0] & 255) << 24 | (b[1] & 255) << 16 | (b[2] & 255) << 8 | (b[3] & 255);
    }
}
