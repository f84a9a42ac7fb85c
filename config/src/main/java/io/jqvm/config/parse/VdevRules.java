package io.jqvm.config.parse;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.VdevOption;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.config.vdev.VdevSchema;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Checks a complete vdev against its schema's {@link VdevSchema.Rule}s; each error points at the option at fault. */
final class VdevRules {
    private VdevRules() {
    }

    /** @param opener the {@code vdev} token, where a missing option is reported */
    static void check(VdevSpec vdev, Origin opener) {
        String type = vdev.type();
        for (VdevSchema.Rule rule : vdev.schema().rules()) {
            switch (rule) {
                case VdevSchema.Requirement r -> {
                    if (vdev.has(r.option()) && !vdev.has(r.requires())) {
                        throw new ConfigException(vdev.option(r.option()).orElseThrow().origin(), "vdev " + type + ": "
                                + Quote.of(r.option()) + " needs " + Quote.of(r.requires()) + " too");
                    }
                }
                case VdevSchema.Mandatory m -> {
                    if (!vdev.has(m.option())) {
                        throw new ConfigException(opener, "vdev " + type + " needs "
                                + vdev.schema().options().get(m.option()).syntax());
                    }
                }
                case VdevSchema.ExactlyOne e -> exactlyOne(vdev, e.options(), opener);
            }
        }
    }

    private static void exactlyOne(VdevSpec vdev, List<String> names, Origin opener) {
        String choices = names.stream().map(n -> vdev.schema().options().get(n).syntax()).collect(Collectors.joining(", "));
        List<VdevOption> given = new ArrayList<>();
        for (VdevOption o : vdev.options()) {
            if (names.contains(o.name())) {
                given.add(o);
            }
        }
        if (given.isEmpty()) {
            throw new ConfigException(opener, "vdev " + vdev.type() + " needs one of: " + choices);
        }
        if (given.size() > 1) {
            VdevOption second = given.get(1);
            throw new ConfigException(second.origin(), "vdev " + vdev.type() + ": " + Quote.of(second.name())
                    + " cannot be combined with " + Quote.of(given.getFirst().name()) + " (" + given.getFirst().origin()
                    + "); give exactly one of: " + choices);
        }
    }
}
