package io.jqvm.config;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean" for misspelt keywords: the closest known word within a small edit distance. */
public final class Suggest {
    private Suggest() {
    }

    /** The known word closest to {@code word}, if it is at most two edits away (one for short words). */
    public static Optional<String> closest(String word, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(word, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        int limit = word.length() <= 3 ? 1 : 2;
        return bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** "; did you mean "x"?" or nothing. */
    public static String hint(String word, Collection<String> known) {
        return closest(word, known).map(w -> "; did you mean " + Quote.of(w) + "?").orElse("");
    }

    /** Levenshtein distance; words here are short, so the quadratic table is cheap. */
    static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 2) {
            return Integer.MAX_VALUE;
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
