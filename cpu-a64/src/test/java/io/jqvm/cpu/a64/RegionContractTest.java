package io.jqvm.cpu.a64;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.FieldRefEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The compiled tier's contract with the CPU ({@link RegionContract}): every entry point it names exists with
 * its signature, and generated code reaches the CPU's package through those entry points only (no field,
 * no other method), so a change to the CPU that the compiler does not follow fails here rather than in a
 * running guest.
 */
class RegionContractTest {
    private static final String PACKAGE = "io/jqvm/cpu/a64/";

    @Test
    void everyEntryPointResolves() {
        for (DirectMethodHandleDesc entry : RegionContract.ENTRY_POINTS) {
            assertDoesNotThrow(() -> entry.resolveConstantDesc(RegionContract.regionLookup()), entry::toString);
        }
        assertDoesNotThrow(() -> RegionContract.verify(RegionContract.regionLookup()));
    }

    @Test
    void everyRegionMethodOfTheContractIsAnEntryPoint() {
        Set<String> listed = RegionContract.ENTRY_POINTS.stream().map(DirectMethodHandleDesc::methodName).collect(Collectors.toSet());
        Set<String> declared = Arrays.stream(RegionContract.class.getDeclaredMethods()).map(Method::getName)
                .filter(name -> name.startsWith("region") && !name.equals("regionLookup") && !name.equals("regionSync"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(declared.size() >= 15, "declared: " + declared);
        for (String name : declared) {
            assertTrue(listed.contains(name), name + " is called by generated code but is not in ENTRY_POINTS");
        }
    }

    @Test
    void generatedCodeReachesTheCpuOnlyThroughTheContract() {
        // Random words give regions with every translatable instruction class (the translator's own test
        // checks that they compile); their constant pools name every member the generated code uses.
        RegionCompiler compiler = new RegionCompiler(RegionContract.regionLookup(), 1);
        Set<String> allowed = RegionContract.ENTRY_POINTS.stream()
                .map(e -> e.owner().descriptorString() + "." + e.methodName() + e.lookupDescriptor())
                .collect(Collectors.toSet());
        Set<String> used = new TreeSet<>();
        Random random = new Random(0x5eed);
        MemorySegment words = Arena.ofAuto().allocate(4096);
        int regions = 0;
        for (int page = 0; page < 4; page++) {
            for (int i = 0; i < 1024; i++) {
                words.setAtIndex(ValueLayout.JAVA_INT, i, random.nextInt());
            }
            CodePage code = new CodePage(words, 0);
            for (int i = 0; i < CodePage.INSTRUCTIONS; i++) {
                byte[] bytes = compiler.classBytes(code, i, 0x4000_0000L + 4L * i);
                if (bytes == null) {
                    continue;
                }
                regions++;
                String self = ClassFile.of().parse(bytes).thisClass().asInternalName();
                for (PoolEntry entry : ClassFile.of().parse(bytes).constantPool()) {
                    if (entry instanceof MemberRefEntry member && member.owner().asInternalName().startsWith(PACKAGE)
                            && !member.owner().asInternalName().equals(self)) {
                        String reference = "L" + member.owner().asInternalName() + ";." + member.name().stringValue()
                                + member.type().stringValue();
                        assertTrue(!(entry instanceof FieldRefEntry), "generated code reads a CPU field: " + reference);
                        if (!reference.contains(";.<init>")) {
                            assertTrue(allowed.contains(reference), "generated code calls " + reference + ", not in the contract");
                            used.add(reference);
                        }
                    }
                }
            }
        }
        assertTrue(regions > 500, "regions: " + regions);
        // the random pages exercise most of the contract (all but rare ones such as a 32-bit SDIV may be missed)
        assertTrue(used.size() >= RegionContract.ENTRY_POINTS.size() / 2, "used: " + used);
        assertEquals(0, compiler.failed());
    }
}
