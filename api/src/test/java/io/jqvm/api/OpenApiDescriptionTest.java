package io.jqvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jqvm.testkit.Command;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/api/jqvm-api.yaml describes exactly the paths, methods and actions the server serves. */
class OpenApiDescriptionTest {
    private static String yaml() throws Exception {
        return Files.readString(Command.repo().resolve("docs/api/jqvm-api.yaml"));
    }

    @Test
    void everyPathAndMethodIsServedAndDescribed() throws Exception {
        String paths = yaml().split("(?m)^paths:\\n")[1].split("(?m)^\\S")[0];
        Map<String, String> described = new TreeMap<>();
        String path = null;
        for (String line : paths.lines().toList()) {
            Matcher p = Pattern.compile("^  (/\\S*):$").matcher(line);
            Matcher m = Pattern.compile("^    (get|put|post|patch|delete|head|options):$").matcher(line);
            if (p.matches()) {
                path = p.group(1);
            } else if (m.matches()) {
                String previous = described.put(path, m.group(1).toUpperCase(java.util.Locale.ROOT));
                assertEquals(null, previous, path + " has one method in the server");
            }
        }
        assertEquals(new TreeMap<>(Routes.PATHS), described);
    }

    @Test
    void theActionsAreTheServers() throws Exception {
        Matcher m = Pattern.compile("(?s)StateAction:.*?enum: \\[([^]]*)]").matcher(yaml());
        m.find();
        assertEquals(Routes.ACTIONS, List.of(m.group(1).split(",\\s*")));
    }
}
