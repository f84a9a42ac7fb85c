package io.jqvm.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void theCallsSharingTheSyscallHandleBehaveAsTheLibraryFunctions() {
        MemorySegment ram = Libc.mmap(1 << 20, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        assertEquals(1 << 20, ram.byteSize());
        ram.set(ValueLayout.JAVA_LONG, (1 << 20) - 8, 0x1234_5678_9abc_def0L);
        assertEquals(0x1234_5678_9abc_def0L, ram.get(ValueLayout.JAVA_LONG, (1 << 20) - 8));
        Libc.munmap(ram);
        HostException badMapping = assertThrows(HostException.class, () -> Libc.mmap(4096, Libc.PROT_READ,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 1)); // an offset that is not page-aligned
        assertTrue(badMapping.getMessage().contains("mmap"), badMapping.getMessage());

        int[] pair = Libc.unixStreamSocketPair();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment termios = a.allocate(64);
            assertEquals(-25, Libc.ioctl(pair[0], 0x5401, termios, "ioctl(TCGETS)", 25)); // ENOTTY, tolerated
            assertThrows(HostException.class, () -> Libc.ioctl(pair[0], 0x5401, 0L, "ioctl(TCGETS)"));
            MemorySegment pollFd = a.allocate(8);
            pollFd.set(ValueLayout.JAVA_INT, 0, pair[0]);
            pollFd.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
            assertEquals(0, Libc.poll(pollFd, 1, 0), "nothing to read yet");
            MemorySegment one = a.allocate(1);
            assertEquals(1, Libc.write(pair[1], one, 1));
            assertEquals(1, Libc.poll(pollFd, 1, -1));
            assertThrows(IllegalArgumentException.class, () -> Libc.read(pair[0], MemorySegment.ofArray(new byte[1]), 1),
                    "a heap segment has no address a system call could use");
        } finally {
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }
}
