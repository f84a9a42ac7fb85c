package io.jqvm.config.model;

import io.jqvm.config.Origin;
import io.jqvm.config.vdev.VdevCatalog;
import io.jqvm.config.vdev.VdevSchema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One vdev instance: its schema, its options as parsed (every occurrence, in order) and the vdev-scoped
 * variables set in its context. Options are read through typed accessors, e.g.
 * {@code vdev.value("threads", Value.Number.class)} or {@code vdev.all("hostdev", Value.HostDevice.class)}.
 *
 * @param explicit false for a vdev the builder adds because the guest needs it (see {@link #implicit})
 */
public record VdevSpec(VdevSchema schema, boolean explicit, List<VdevOption> options, Map<String, Setting> settings,
                       Origin origin) {
    public VdevSpec {
        options = List.copyOf(options);
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** A vdev with default options that no configuration line asked for (e.g. the ARM {@code gic}). */
    public static VdevSpec implicit(String type) {
        VdevSchema schema = VdevCatalog.find(type)
                .orElseThrow(() -> new IllegalArgumentException("no vdev type " + type));
        return new VdevSpec(schema, false, List.of(), Map.of(), Origin.BUILT_IN);
    }

    /** The canonical type name, e.g. {@code pl011}. */
    public String type() {
        return schema.type();
    }

    /** The last occurrence of a non-repeatable option, or empty. */
    public Optional<VdevOption> option(String name) {
        checkKnown(name);
        for (int i = options.size() - 1; i >= 0; i--) {
            if (options.get(i).name().equals(name)) {
                return Optional.of(options.get(i));
            }
        }
        return Optional.empty();
    }

    /** The value of the last occurrence of {@code name}, as the schema's type for it. */
    public <T extends Value> Optional<T> value(String name, Class<T> type) {
        checkType(name, type);
        return option(name).map(o -> type.cast(o.value()));
    }

    /** Every occurrence's value of a repeatable option, in configuration order. */
    public <T extends Value> List<T> all(String name, Class<T> type) {
        checkType(name, type);
        List<T> values = new ArrayList<>();
        for (VdevOption o : options) {
            if (o.name().equals(name)) {
                values.add(type.cast(o.value()));
            }
        }
        return values;
    }

    /** Whether a flag option (or any option) was given. */
    public boolean has(String name) {
        return option(name).isPresent();
    }

    /** The {@code name} option: the instance name other vdevs and host paths use. */
    public Optional<String> name() {
        return value("name", Value.Text.class).map(Value.Text::value);
    }

    /** The {@code loc} given, else the schema's documented default location, else empty (to be assigned). */
    public Optional<Location> location() {
        return value("loc", Value.Loc.class).map(Value.Loc::location).or(schema::defaultLocation);
    }

    /** All interrupts of all {@code intr} occurrences, in order; empty for the ioapic, whose intr names its parent. */
    public List<Interrupt> interrupts() {
        List<Interrupt> all = new ArrayList<>();
        if (schema.options().get("intr").valueType() != Value.Interrupts.class) {
            return all;
        }
        for (Value.Interrupts i : all("intr", Value.Interrupts.class)) {
            all.addAll(i.interrupts());
        }
        return all;
    }

    /** The vdev-scoped variable set in this vdev's context, if any. */
    public Optional<Setting> setting(String variable) {
        return Optional.ofNullable(settings.get(variable));
    }

    private void checkKnown(String name) {
        if (!schema.options().containsKey(name)) {
            throw new IllegalArgumentException("vdev " + type() + " has no option " + name);
        }
    }

    private void checkType(String name, Class<? extends Value> type) {
        checkKnown(name);
        Class<? extends Value> declared = schema.options().get(name).valueType();
        if (!declared.equals(type)) {
            throw new IllegalArgumentException("vdev " + type() + " option " + name + " holds " + declared.getSimpleName()
                    + ", not " + type.getSimpleName());
        }
    }

}
