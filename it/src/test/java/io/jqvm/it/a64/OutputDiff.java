package io.jqvm.it.a64;

import java.util.List;

/** Where two console transcripts first part, for failure messages. */
final class OutputDiff {
    private OutputDiff() {}

    static String firstDifference(String expected, String actual) {
        List<String> want = expected.lines().toList();
        List<String> got = actual.lines().toList();
        int common = Math.min(want.size(), got.size());
        for (int i = 0; i < common; i++)
            if (!want.get(i).equals(got.get(i)))
                return "line " + (i + 1) + ":\n  QEMU: " + want.get(i) + "\n  jqvm: " + got.get(i);
        if (want.size() != got.size())
            return "QEMU printed " + want.size() + " lines, jqvm " + got.size() + "; next line: "
                    + (want.size() > got.size() ? "QEMU: " + want.get(common) : "jqvm: " + got.get(common));
        return "line endings differ";
    }
}
