package io.jqvm.vmm.assembly;

import io.jqvm.config.vdev.VdevCatalog;
import io.jqvm.config.vdev.VdevSchema;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every vdev type the configuration language knows has a factory or a stated reason why not: no third state. */
class VdevRegistryTest {
    @Test
    void everyKnownTypeHasAFactoryOrAReason() {
        for (VdevSchema schema : VdevCatalog.all()) {
            String type = schema.type();
            boolean built = VdevRegistry.family(type).isPresent();
            boolean refused = VdevRegistry.NOT_IMPLEMENTED.containsKey(type);
            assertTrue(built || refused, "vdev type " + type + " has neither a family in VdevRegistry.FAMILIES nor a reason in NOT_IMPLEMENTED");
            assertFalse(built && refused, "vdev type " + type + " is both built and listed as not implemented");
        }
    }

    @Test
    void familiesAndReasonsNameOnlyTypesTheLanguageKnows() {
        Set<String> named = new HashSet<>(VdevRegistry.NOT_IMPLEMENTED.keySet());
        for (VdevFamily f : VdevRegistry.FAMILIES) {
            named.addAll(f.types());
        }
        for (String type : named) {
            assertTrue(VdevCatalog.find(type).isPresent(), type + " is not a type of the configuration language");
        }
        assertEquals(VdevCatalog.all().size(), named.size());
        VdevRegistry.NOT_IMPLEMENTED.forEach((type, reason) -> assertFalse(reason.isBlank(), type));
    }
}
