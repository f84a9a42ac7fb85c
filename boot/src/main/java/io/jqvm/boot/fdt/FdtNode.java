package io.jqvm.boot.fdt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One device-tree node: a name (with its unit address, e.g. {@code pl011@9000000}), properties in
 * insertion order and child nodes in insertion order. Property values are stored as the raw big-endian
 * bytes the blob holds; the typed setters encode them.
 */
public final class FdtNode {
    private final String name;
    private final Map<String, byte[]> properties = new LinkedHashMap<>();
    private final Map<String, FdtNode> children = new LinkedHashMap<>();

    public FdtNode(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** The child called {@code childName}, created (appended) if absent. */
    public FdtNode child(String childName) {
        return children.computeIfAbsent(childName, FdtNode::new);
    }

    /** The child called {@code childName}, or null. */
    public FdtNode findChild(String childName) {
        return children.get(childName);
    }

    /** The node at a path relative to this one ("/" or "" is this node; "cpus/cpu@0"), or null. */
    public FdtNode find(String path) {
        FdtNode node = this;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            node = node.children.get(part);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    public Collection<FdtNode> children() {
        return Collections.unmodifiableCollection(children.values());
    }

    public Map<String, byte[]> properties() {
        return Collections.unmodifiableMap(properties);
    }

    /** The raw value of {@code property}, or null. */
    public byte[] property(String property) {
        byte[] v = properties.get(property);
        return v == null ? null : v.clone();
    }

    public FdtNode set(String property, byte[] value) {
        properties.put(property, value.clone());
        return this;
    }

    /** A property with no value (a boolean such as {@code interrupt-controller}). */
    public FdtNode setEmpty(String property) {
        return set(property, new byte[0]);
    }

    /** A string, or a string list when several are given: each NUL-terminated. */
    public FdtNode setStrings(String property, String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            out.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return set(property, out.toByteArray());
    }

    /** 32-bit cells. */
    public FdtNode setCells(String property, int... cells) {
        ByteBuffer b = ByteBuffer.allocate(4 * cells.length);
        for (int c : cells) {
            b.putInt(c);
        }
        return set(property, b.array());
    }

    /** 64-bit values, each as two cells (high cell first). */
    public FdtNode setLongs(String property, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length);
        for (long v : values) {
            b.putLong(v);
        }
        return set(property, b.array());
    }

    /**
     * Overlays {@code other} onto this node: its properties replace or join ours, its children merge
     * into ours of the same name or are appended.
     */
    public void merge(FdtNode other) {
        other.properties.forEach((k, v) -> properties.put(k, v.clone()));
        for (FdtNode c : other.children.values()) {
            child(c.name).merge(c);
        }
    }

    /** The first string of a string property, or null if absent. */
    public String string(String property) {
        byte[] v = properties.get(property);
        if (v == null) {
            return null;
        }
        int end = 0;
        while (end < v.length && v[end] != 0) {
            end++;
        }
        return new String(v, 0, end, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "FdtNode[" + name + ", " + properties.size() + " properties, " + children.size() + " children]";
    }
}
