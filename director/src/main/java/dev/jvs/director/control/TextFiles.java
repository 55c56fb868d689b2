package dev.jvs.director.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the director's own text files (--config, --state) with errors that name the file. */
public final class TextFiles {

    private TextFiles() {}

    public static String readUtf8(Path file) throws IOException {
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) throw new IOException("not a regular file");
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
            throw new IOException("cannot read " + file + ": " + why);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("cannot read " + file + ": line " + lineOfFirstBadByte(bytes) + " is not UTF-8 text");
        }
    }

    private static int lineOfFirstBadByte(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        var out = java.nio.CharBuffer.allocate(bytes.length + 1);
        decoder.decode(in, out, true); // stops at the first malformed input
        int line = 1;
        for (int i = 0; i < in.position(); i++) if (bytes[i] == '\n') line++;
        return line;
    }
}
