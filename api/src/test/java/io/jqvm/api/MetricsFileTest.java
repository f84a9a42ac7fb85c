package io.jqvm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file's checks before the VM starts; its flushes are checked on a real VM by it/…/api/ControlApiTest. */
class MetricsFileTest {
    @Test
    void aFileThatCannotBeWrittenIsRefusedBeforeTheStart(@TempDir Path dir) {
        VmmException e = assertThrows(VmmException.class, () -> new MetricsFile(dir.resolve("no/such/dir/m"), Duration.ofSeconds(1)));
        assertEquals(ExitStatus.FATAL_BEFORE_START, e.status());
        assertTrue(e.getMessage().startsWith("--metrics-path " + dir.resolve("no/such/dir/m") + ": cannot write"), e.getMessage());
    }

    @Test
    void anExistingFileIsAppendedTo(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("m"), "earlier\n");
        MetricsFile metrics = new MetricsFile(file, Duration.ofSeconds(1));
        metrics.finished();
        assertEquals("earlier\n", Files.readString(file));
    }
}
