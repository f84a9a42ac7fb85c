package io.jqvm.config.lex;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the text of a configuration file into {@link Token}s. Line breaks mean nothing: the file is a
 * stream of whitespace-separated words. {@code #} outside quotes starts a comment to the end of the line,
 * wherever it appears. Double quotes group text containing whitespace and may start or end mid-word
 * ({@code >"|tee log"} is the word {@code >|tee log}); inside quotes a backslash directly followed by a
 * line break is dropped with the break (a continuation), everything else is kept as written.
 * Columns count Unicode code points from 1.
 */
public final class Lexer {
    private final String file;
    private final String text;
    private int position;
    private int line = 1;
    private int column = 1;

    private Lexer(String file, String text) {
        this.file = file;
        this.text = text;
    }

    /** The tokens of {@code text}, attributed to {@code file}. */
    public static List<Token> tokens(String file, String text) {
        return new Lexer(file, text).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        Origin start = null;
        boolean quoted = false;
        while (position < text.length()) {
            char c = text.charAt(position);
            if (isSpace(c) || c == '#') {
                if (start != null) {
                    tokens.add(new Token(word.toString(), start, quoted));
                    word.setLength(0);
                    start = null;
                    quoted = false;
                }
                if (c == '#') {
                    skipComment();
                } else {
                    advance();
                }
            } else if (c == '"') {
                if (start == null) {
                    start = here();
                }
                quoted = true;
                readQuoted(word);
            } else {
                if (start == null) {
                    start = here();
                }
                word.append(c);
                advance();
            }
        }
        if (start != null) {
            tokens.add(new Token(word.toString(), start, quoted));
        }
        return tokens;
    }

    /** Consumes a quoted section from its opening quote through its closing quote. */
    private void readQuoted(StringBuilder word) {
        Origin opening = here();
        advance();
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c == '"') {
                advance();
                return;
            }
            if (c == '\\' && continuationFollows()) {
                advance();
                if (text.charAt(position) == '\r') {
                    advance();
                }
                advance();
            } else {
                word.append(c);
                advance();
            }
        }
        throw new ConfigException(opening, "unterminated quoted string: no closing '\"' before the end of the file");
    }

    private boolean continuationFollows() {
        int next = position + 1;
        if (next < text.length() && text.charAt(next) == '\r') {
            next++;
        }
        return next < text.length() && text.charAt(next) == '\n';
    }

    private void skipComment() {
        while (position < text.length() && text.charAt(position) != '\n') {
            advance();
        }
    }

    private Origin here() {
        return new Origin(file, line, column);
    }

    private void advance() {
        char c = text.charAt(position++);
        if (c == '\n') {
            line++;
            column = 1;
        } else if (!(Character.isHighSurrogate(c) && position < text.length()
                && Character.isLowSurrogate(text.charAt(position)))) {
            column++;
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }
}
