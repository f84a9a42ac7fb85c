package io.jqvm.config;

/**
 * Where a token came from: a configuration file (or {@value #COMMAND_LINE}), a 1-based line and a 1-based
 * column. On the command line the line is always 1 and the column is the 1-based argument index.
 */
public record Origin(String file, int line, int column) {
    /** The file name given to tokens that came straight from the command-line arguments. */
    public static final String COMMAND_LINE = "<command line>";

    /** The origin of settings no configuration gave (defaults, implicit vdevs added by the builder). */
    public static final Origin BUILT_IN = new Origin("<built-in>", 0, 0);

    /** The origin of the command-line argument with 1-based index {@code argument}. */
    public static Origin commandLine(int argument) {
        return new Origin(COMMAND_LINE, 1, argument);
    }

    /** {@code file:line:column}, the prefix of every configuration diagnostic. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
