package io.jqvm.config;

import io.jqvm.config.lex.Lexer;
import io.jqvm.config.lex.Token;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LexerTest {
    private static List<String> words(String text) {
        return Lexer.tokens("f", text).stream().map(Token::text).toList();
    }

    @Test
    void lineBreaksAndIndentationSeparateWordsOnly() {
        assertEquals(List.of("cpu", "sched", "8", "ram", "32m"), words("cpu sched 8\n\t  ram\r\n32m\n"));
    }

    @Test
    void commentsRunToEndOfLineEvenRightAfterAWord() {
        assertEquals(List.of("hostdev", ">-", "vdev"), words("hostdev >-   # to stdout\n# whole line\nvdev# x y\n"));
    }

    @Test
    void quotesGroupWhitespaceAndMayStartMidWord() {
        assertEquals(List.of("hostdev", ">|/guests/tee /guests/pipe.log", "a b c"),
                words("hostdev >\"|/guests/tee /guests/pipe.log\" \"a b\"\" c\""));
    }

    @Test
    void hashInsideQuotesIsText() {
        assertEquals(List.of("cmdline", "a # b"), words("cmdline \"a # b\" # comment"));
    }

    @Test
    void quotedStringsSpanLinesAndBackslashNewlineIsDropped() {
        assertEquals(List.of("console=ttyAMA0 earlycon=pl011\n\tquiet", "ab"),
                words("\"console=ttyAMA0 \\\nearlycon=pl011\n\tquiet\" \"a\\\r\nb\""));
    }

    @Test
    void otherBackslashesAreKept() {
        assertEquals(List.of("a\\nb", "c\\"), words("\"a\\nb\" c\\"));
    }

    @Test
    void emptyQuotesMakeAnEmptyWord() {
        List<Token> tokens = Lexer.tokens("f", "cmdline \"\"");
        assertEquals("", tokens.get(1).text());
        assertTrue(tokens.get(1).quoted());
        assertFalse(tokens.get(0).quoted());
    }

    @Test
    void everyTokenKnowsItsLineAndColumn() {
        List<Token> tokens = Lexer.tokens("g.conf", "ram 1m\n  vdev \"pl\"011\n\"x\ny\" z");
        assertEquals(new Origin("g.conf", 1, 1), tokens.get(0).origin());
        assertEquals(new Origin("g.conf", 1, 5), tokens.get(1).origin());
        assertEquals(new Origin("g.conf", 2, 3), tokens.get(2).origin());
        assertEquals(new Origin("g.conf", 2, 8), tokens.get(3).origin());
        assertEquals("pl011", tokens.get(3).text());
        assertEquals(new Origin("g.conf", 4, 4), tokens.get(5).origin());
    }

    @Test
    void columnsCountCodePointsNotSurrogates() {
        List<Token> tokens = Lexer.tokens("f", "\uD83D\uDE00 x");
        assertEquals(3, tokens.get(1).origin().column());
    }

    @Test
    void anUnterminatedQuoteIsReportedAtTheOpeningQuote() {
        ConfigException e = assertThrows(ConfigException.class, () -> Lexer.tokens("f", "cmdline\n  x\"abc\ndef"));
        assertEquals("f:2:4: unterminated quoted string: no closing '\"' before the end of the file", e.getMessage());
    }

    @Test
    void aBackslashAtTheEndOfAnUnterminatedQuoteIsStillUnterminated() {
        assertThrows(ConfigException.class, () -> Lexer.tokens("f", "\"abc\\"));
    }
}
