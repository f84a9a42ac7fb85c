package io.jqvm.it.a64;

import java.util.List;

/** Where two console transcripts first part, for failure messages. */
final class OutputDiff {
    private OutputDiff() {}

    /** Jqvm's transcript against QEMU's. */
    static String firstDifference(String qemu, String jqvm) {
        return firstDifference("QEMU", qemu, "jqvm", jqvm);
    }

    static String firstDifference(String firstName, String first, String secondName, String second) {
        List<String> a = first.lines().toList();
        List<String> b = second.lines().toList();
        int common = Math.min(a.size(), b.size());
        for (int i = 0; i < common; i++)
            if (!a.get(i).equals(b.get(i)))
                return "line " + (i + 1) + ":\n  " + firstName + ": " + a.get(i) + "\n  " + secondName + ": " + b.get(i);
        if (a.size() != b.size())
            return firstName + " printed " + a.size() + " lines, " + secondName + " " + b.size() + "; next line: "
                    + (a.size() > b.size() ? firstName + ": " + a.get(common) : secondName + ": " + b.get(common));
        return "line endings differ";
    }
}
