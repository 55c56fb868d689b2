package dev.jvs.ipvsadm;

import java.util.OptionalLong;

/** The C library's number parsing as ipvsadm uses it; its leniencies (signs, leading blanks) are part of the contract. */
final class CNumbers {

    private CNumbers() {
    }

    /**
     * ipvsadm's {@code string_to_number}: {@code strtol(s, &end, 10)} must consume the whole text and land in
     * [min, max]. Leading white space and a sign are accepted, as strtol does.
     */
    static OptionalLong decimal(String text, long min, long max) {
        int i = skipBlanks(text, 0);
        boolean negative = false;
        if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        int digitsStart = i;
        long value = 0;
        boolean overflow = false;
        for (; i < text.length() && isDigit(text.charAt(i)); i++) {
            if (value > (Long.MAX_VALUE - 9) / 10) overflow = true; else value = value * 10 + (text.charAt(i) - '0');
        }
        if (i == digitsStart || i != text.length() || overflow) return OptionalLong.empty();
        value = negative ? -value : value;
        return value < min || value > max ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** C {@code atoi}: leading number of the text, 0 when there is none; trailing garbage ignored. */
    static long atoi(String text) {
        int i = skipBlanks(text, 0);
        boolean negative = false;
        if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        long value = 0;
        for (; i < text.length() && isDigit(text.charAt(i)) && value < Integer.MAX_VALUE * 10L; i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return negative ? -value : value;
    }

    static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    static boolean allDigits(String text) {
        for (int i = 0; i < text.length(); i++) if (!isDigit(text.charAt(i))) return false;
        return true;
    }

    private static int skipBlanks(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
        return i;
    }
}
