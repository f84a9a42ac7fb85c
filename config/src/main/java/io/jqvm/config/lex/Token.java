package io.jqvm.config.lex;

import io.jqvm.config.Origin;

/**
 * One word of the configuration stream.
 *
 * @param text   the word with quotes removed
 * @param origin where its first character was
 * @param quoted whether any part of it was quoted; a quoted {@code "@x"} in a file is a word, not an include
 */
public record Token(String text, Origin origin, boolean quoted) {
}
