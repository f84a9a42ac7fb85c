package io.jqvm.vmm.debug.gdb;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The framing of GDB's remote serial protocol (gdb manual, "Overview" of the remote protocol): packets
 * {@code $payload#cc} with a modulo-256 checksum in two hex digits, {@code +}/{@code -} acknowledgements until
 * {@code QStartNoAckMode}, {@code }}-escapes (the byte XOR 0x20) and run-length encoding ({@code X*n}: X repeated
 * n - 29 more times) in what it receives, and a lone 0x03 as an interrupt. Payloads are Latin-1 strings, one char
 * per byte, so binary data ({@code X} packets) passes unchanged.
 *
 * <p>Written by hand: no maintained Java library implements the stub side of the protocol.
 */
final class RspChannel {
    /** The largest packet accepted, and advertised as {@code PacketSize}. */
    static final int MAX_PACKET = 0x4000;
    /** What {@link #read} returns for a Ctrl-C from the debugger. */
    static final String INTERRUPT = "\u0003";

    /** How long a sent packet waits for its acknowledgement before it is sent again. */
    private static final long ACK_TIMEOUT_MILLIS = 2000;

    private final InputStream in;
    private final OutputStream out;
    private volatile boolean acks = true;
    /** Acknowledgements {@link #read} found ({@code true} for '+'), for {@link #write} to wait on. */
    private final BlockingQueue<Boolean> received = new LinkedBlockingQueue<>();

    RspChannel(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** After {@code QStartNoAckMode} has been acknowledged: no more {@code +}/{@code -}. */
    void stopAcknowledging() {
        acks = false;
    }

    /**
     * The next packet's payload (unescaped, run-length expanded), or {@link #INTERRUPT}. A packet with a bad
     * checksum or framing is refused with {@code -} (the debugger sends it again) and skipped; bytes outside
     * packets are ignored. Throws {@link EOFException} when the debugger has gone.
     */
    String read() throws IOException {
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the debugger closed the connection");
            }
            if (b == 0x03) {
                return INTERRUPT;
            }
            if (b == '+' || b == '-') {
                if (acks) {
                    received.add(b == '+');
                }
                continue;
            }
            if (b != '$') {
                continue; // noise between packets
            }
            String payload = readPayload();
            if (payload != null) {
                if (acks) {
                    acknowledge('+');
                }
                return payload;
            }
            if (acks) {
                acknowledge('-');
            }
        }
    }

    private void acknowledge(char c) throws IOException {
        synchronized (out) {
            out.write(c);
            out.flush();
        }
    }

    /** The rest of a packet after '$', decoded; null when it is malformed. */
    private String readPayload() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        int sum = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the debugger closed the connection inside a packet");
            }
            if (b == '#') {
                break;
            }
            if (b == '$') { // a new packet began inside this one: the debugger gave it up
                raw.reset();
                sum = 0;
                continue;
            }
            if (raw.size() > 2 * MAX_PACKET) {
                return null; // it never ends
            }
            sum += b;
            raw.write(b);
        }
        int high = Character.digit(in.read(), 16);
        int low = Character.digit(in.read(), 16);
        if (high < 0 || low < 0 || (high << 4 | low) != (sum & 0xFF)) {
            return null;
        }
        return decode(raw.toByteArray());
    }

    /** Undoes escapes and run-length encoding; null when they are malformed. */
    static String decode(byte[] raw) {
        StringBuilder sb = new StringBuilder(raw.length);
        for (int i = 0; i < raw.length; i++) {
            int b = raw[i] & 0xFF;
            if (b == '}') {
                if (++i == raw.length) {
                    return null;
                }
                sb.append((char) ((raw[i] & 0xFF) ^ 0x20));
            } else if (b == '*') {
                if (sb.isEmpty() || ++i == raw.length || (raw[i] & 0xFF) < 29 + 3 || sb.length() > MAX_PACKET) {
                    return null;
                }
                char repeated = sb.charAt(sb.length() - 1);
                sb.repeat(repeated, (raw[i] & 0xFF) - 29);
            } else {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    /**
     * Sends one packet, escaping what must be, and while acknowledgements are on waits for its {@code +}, which
     * the thread calling {@link #read} receives; a {@code -} or silence sends it again, up to four times.
     */
    void write(String payload) throws IOException, InterruptedException {
        byte[] framed = frame(payload);
        boolean waitForAck = acks;
        for (int attempt = 0; ; attempt++) {
            synchronized (out) {
                out.write(framed);
                out.flush();
            }
            if (!waitForAck) {
                return;
            }
            Boolean ack = received.poll(ACK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            if ((ack != null && ack) || attempt == 3) {
                return; // a debugger that refuses a packet four times will not take it: go on
            }
        }
    }

    /** {@code $payload#cc} with {@code $ # } *} escaped. */
    static byte[] frame(String payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(payload.length() + 4);
        for (int i = 0; i < payload.length(); i++) {
            int c = payload.charAt(i) & 0xFF;
            if (c == '$' || c == '#' || c == '}' || c == '*') {
                body.write('}');
                body.write(c ^ 0x20);
            } else {
                body.write(c);
            }
        }
        int sum = 0;
        for (byte b : body.toByteArray()) {
            sum += b & 0xFF;
        }
        ByteArrayOutputStream framed = new ByteArrayOutputStream(body.size() + 4);
        framed.write('$');
        framed.writeBytes(body.toByteArray());
        framed.writeBytes(String.format("#%02x", sum & 0xFF).getBytes(StandardCharsets.US_ASCII));
        return framed.toByteArray();
    }
}
