package io.jqvm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Libc links each call on its first use: a downcall handle in Libc's own static fields would be linked by
 * every start of a VM (each spins a stub class, tens of milliseconds of start-up), whether or not it is used.
 */
class LibcLinkingTest {
    @Test
    void noDowncallIsLinkedByLoadingLibcItself() {
        List<String> eager = Arrays.stream(Libc.class.getDeclaredFields())
                .filter(f -> Modifier.isStatic(f.getModifiers()) && MethodHandle.class.isAssignableFrom(f.getType()))
                .map(Field::getName)
                .toList();
        assertEquals(List.of(), eager, "static MethodHandle fields of Libc (put each in its own holder class)");
    }

    @Test
    void lazilyLinkedCallsWork() {
        int[] pair = Libc.unixStreamSocketPair();
        try {
            Libc.setNonBlocking(pair[0]);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(1);
                buf.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
                assertEquals(1, Libc.write(pair[1], buf, 1));
                buf.fill((byte) 0);
                assertEquals(1, Libc.read(pair[0], buf, 1));
                assertEquals(42, buf.get(ValueLayout.JAVA_BYTE, 0));
            }
            int memfd = Libc.memfdCreate("jqvm-libc-test");
            assertTrue(memfd >= 0);
            Libc.ftruncate(memfd, 4096);
            Libc.close(memfd);
        } finally {
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }
}
