package io.jqvm.virtio.blk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicInteger;

/** A file channel that counts {@code force(false)} calls (fdatasync) and otherwise does what the real one does. */
final class CountingChannel extends FileChannel {
    final AtomicInteger dataSyncs = new AtomicInteger();
    private final FileChannel real;

    CountingChannel(FileChannel real) {
        this.real = real;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (!metaData) {
            dataSyncs.incrementAndGet();
        }
        real.force(metaData);
    }

    @Override public int read(ByteBuffer dst) throws IOException { return real.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return real.read(dsts, offset, length); }
    @Override public int write(ByteBuffer src) throws IOException { return real.write(src); }
    @Override public long write(ByteBuffer[] srcs, int offset, int length) throws IOException { return real.write(srcs, offset, length); }
    @Override public long position() throws IOException { return real.position(); }
    @Override public FileChannel position(long p) throws IOException { real.position(p); return this; }
    @Override public long size() throws IOException { return real.size(); }
    @Override public FileChannel truncate(long size) throws IOException { real.truncate(size); return this; }
    @Override public long transferTo(long p, long n, WritableByteChannel t) throws IOException { return real.transferTo(p, n, t); }
    @Override public long transferFrom(ReadableByteChannel s, long p, long n) throws IOException { return real.transferFrom(s, p, n); }
    @Override public int read(ByteBuffer dst, long p) throws IOException { return real.read(dst, p); }
    @Override public int write(ByteBuffer src, long p) throws IOException { return real.write(src, p); }
    @Override public MappedByteBuffer map(MapMode m, long p, long n) throws IOException { return real.map(m, p, n); }
    @Override public FileLock lock(long p, long n, boolean shared) throws IOException { return real.lock(p, n, shared); }
    @Override public FileLock tryLock(long p, long n, boolean shared) throws IOException { return real.tryLock(p, n, shared); }
    @Override protected void implCloseChannel() throws IOException { real.close(); }
}
