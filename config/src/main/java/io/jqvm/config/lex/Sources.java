package io.jqvm.config.lex;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns command-line arguments into one token stream. Each argument is one token exactly as the shell
 * passed it, except {@code @path}, which is replaced by the tokens of that file. Files may include
 * other files the same way (an unquoted word starting with {@code @}); every relative include path is
 * resolved against the working directory, as qvm does, not against the including file.
 */
public final class Sources {
    /** Larger files are refused: a configuration is text a person wrote, not {@code /dev/zero}. */
    static final int MAX_FILE_BYTES = 16 << 20;
    static final int MAX_INCLUDE_DEPTH = 64;

    private final Path cwd;
    /** Real path of each file being read, to the name it was included by; insertion order = nesting. */
    private final Map<Path, String> including = new LinkedHashMap<>();
    private final List<Token> out = new ArrayList<>();

    private Sources(Path cwd) {
        this.cwd = cwd;
    }

    public static List<Token> expand(List<String> args, Path cwd) {
        Sources sources = new Sources(cwd);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            Origin origin = Origin.commandLine(i + 1);
            if (arg.startsWith("@")) {
                sources.include(arg, origin);
            } else {
                sources.out.add(new Token(arg, origin, false));
            }
        }
        return sources.out;
    }

    /**
     * The tokens of a configuration given as text (a program embedding jqvm), attributed to {@code name}; its
     * {@code @file} words include files as a file's would.
     */
    public static List<Token> expandText(String name, String text, Path cwd) {
        Sources sources = new Sources(cwd);
        sources.addTokens(Lexer.tokens(name, text));
        return sources.out;
    }

    private void addTokens(List<Token> tokens) {
        for (Token token : tokens) {
            if (!token.quoted() && token.text().startsWith("@")) {
                include(token.text(), token.origin());
            } else {
                out.add(token);
            }
        }
    }

    private void include(String word, Origin origin) {
        // The name starts every diagnostic about the file, so it must print as one line.
        String name = Quote.escaped(word.substring(1));
        if (name.isEmpty()) {
            throw new ConfigException(origin, Quote.of(word) + ": missing file name after '@'");
        }
        if (including.size() >= MAX_INCLUDE_DEPTH) {
            throw new ConfigException(origin, Quote.of(word) + ": includes nested deeper than " + MAX_INCLUDE_DEPTH);
        }
        Path path;
        Path real;
        try {
            path = cwd.resolve(word.substring(1)).normalize();
            real = path.toRealPath();
        } catch (InvalidPathException | IOException e) {
            throw new ConfigException(origin, name + ": cannot read: " + reason(e));
        }
        if (including.containsKey(real)) {
            StringBuilder cycle = new StringBuilder();
            boolean inCycle = false;
            for (Map.Entry<Path, String> open : including.entrySet()) {
                inCycle |= open.getKey().equals(real);
                if (inCycle) {
                    cycle.append(open.getValue()).append(" -> ");
                }
            }
            throw new ConfigException(origin, Quote.of(word) + ": include cycle: " + cycle + name);
        }
        String text = read(path, name, origin);
        including.put(real, name);
        addTokens(Lexer.tokens(name, text));
        including.remove(real);
    }

    private static String read(Path path, String name, Origin origin) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new ConfigException(origin, name + ": cannot read: " + reason(e));
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ConfigException(origin, name + ": cannot read: larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
        }
        return decode(bytes, name);
    }

    /** Strict UTF-8; a bad byte is reported at its line and column. */
    private static String decode(byte[] bytes, String name) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer chars = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, chars, true);
        if (result.isError()) {
            chars.flip();
            int line = 1;
            int column = 1;
            for (int i = 0; i < chars.length(); i++) {
                if (chars.charAt(i) == '\n') {
                    line++;
                    column = 1;
                } else if (!Character.isLowSurrogate(chars.charAt(i))) {
                    column++;
                }
            }
            throw new ConfigException(new Origin(name, line, column),
                    String.format("byte 0x%02x is not valid UTF-8 text", bytes[in.position()] & 0xff));
        }
        decoder.flush(chars);
        chars.flip();
        // Some editors start UTF-8 files with a byte-order mark; it is not part of the first word.
        if (chars.length() > 0 && chars.charAt(0) == '\uFEFF') {
            chars.position(1);
        }
        return chars.toString();
    }

    private static String reason(Exception e) {
        return switch (e) {
            case NoSuchFileException _ -> "no such file";
            case AccessDeniedException _ -> "permission denied";
            case InvalidPathException ip -> "invalid path (" + ip.getReason() + ")";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : Quote.escaped(e.getMessage());
        };
    }
}
