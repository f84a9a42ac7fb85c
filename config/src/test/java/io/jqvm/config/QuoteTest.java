package io.jqvm.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuoteTest {
    @Test
    void plainTextIsOnlyQuoted() {
        assertEquals("\"vdev-pl011.so\"", Quote.of("vdev-pl011.so"));
        assertEquals("\"µs \uD83D\uDE00\"", Quote.of("µs \uD83D\uDE00"));
    }

    @Test
    void anythingThatCouldBreakTheLineIsEscaped() {
        assertEquals("\"a\\nb\\r\\tc\\\\d\\\"e\"", Quote.of("a\nb\r\tc\\d\"e"));
        assertEquals("\"\\u0000\\u0085\\u2028\\u2029\\ufeff\\u007f\"", Quote.of("\0\u0085\u2028\u2029\uFEFF\u007f"));
        assertEquals("\"\\ud83d\"", Quote.of("\uD83D"));
        assertEquals("x\\ny", Quote.escaped("x\ny"));
    }
}
