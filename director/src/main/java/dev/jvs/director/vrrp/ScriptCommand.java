package dev.jvs.director.vrrp;

import java.util.ArrayList;
import java.util.List;

/** Splits a keepalived script line into argv, as keepalived does: no shell, quotes group words. */
final class ScriptCommand {

    private ScriptCommand() {}

    static List<String> argv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0; else word.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) { out.add(word.toString()); word.setLength(0); inWord = false; }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) out.add(word.toString());
        return out;
    }
}
