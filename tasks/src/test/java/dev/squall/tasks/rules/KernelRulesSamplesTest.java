package dev.squall.tasks.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import dev.squall.tasks.rules.KernelRules.Rule;
import dev.squall.tasks.rules.samples.BadKernels;
import dev.squall.tasks.rules.samples.GoodKernels;

/**
 * The checker finds exactly the broken rule in each deliberately bad sample kernel
 * ({@link BadKernels}), nothing in kernels that use all that is allowed ({@link GoodKernels}), and a
 * missing local-variable table in a class stripped of it.
 */
class KernelRulesSamplesTest {
    private static final String BAD = internalName(BadKernels.class);
    private static final String GOOD = internalName(GoodKernels.class);
    private static final ClassLoader LOADER = KernelRulesSamplesTest.class.getClassLoader();
    private static final KernelChecker CHECKER = new KernelChecker(ClassSource.of(LOADER));

    /** One expected violation: its rule, the helper it is in (null: the kernel) and how its detail starts. */
    private record Expected(Rule rule, String helper, String detail) {
    }

    private static Expected in(Rule rule, String detail) {
        return new Expected(rule, null, detail);
    }

    private static Expected via(String helper, Rule rule, String detail) {
        return new Expected(rule, "BadKernels." + helper, detail);
    }

    private static final String SAMPLES = "dev/squall/tasks/rules/samples/BadKernels.";

    /** Each bad sample kernel and exactly what it must be reported for, in order. */
    private static final Map<String, List<Expected>> EXPECTED = Map.ofEntries(
            Map.entry("allocatesObject", List.of(in(Rule.ALLOCATION, "NEW java/lang/Object at line "))),
            Map.entry("allocatesVariableArray", List.of(in(Rule.ALLOCATION, "NEWARRAY float at line "))),
            Map.entry("allocatesArrayOfArrays", List.of(in(Rule.ALLOCATION, "ANEWARRAY [F at line "))),
            Map.entry("allocatesMatrix", List.of(in(Rule.ALLOCATION, "MULTIANEWARRAY [[F at line "))),
            Map.entry("throwsException", List.of(
                    in(Rule.ALLOCATION, "NEW java/lang/IllegalStateException at line "),
                    in(Rule.THROW, "ATHROW at line "))),
            Map.entry("catchesException", List.of(
                    in(Rule.THROW, "exception handler for java/lang/ArrayIndexOutOfBoundsException at line "))),
            Map.entry("synchronizedKernel", List.of(in(Rule.MONITOR, "synchronized method"))),
            // javac's shape of a synchronized block: two catch-all handlers that release and rethrow.
            Map.entry("synchronizedBlock", List.of(
                    in(Rule.THROW, "exception handler for any exception at line "),
                    in(Rule.THROW, "exception handler for any exception at line "),
                    in(Rule.MONITOR, "MONITORENTER at line "),
                    in(Rule.MONITOR, "MONITOREXIT at line "),
                    in(Rule.MONITOR, "MONITOREXIT at line "),
                    in(Rule.THROW, "ATHROW at line "))),
            Map.entry("readsMutableField", List.of(in(Rule.FIELD, "GETSTATIC " + SAMPLES + "counter at line "))),
            Map.entry("writesField", List.of(in(Rule.FIELD, "PUTSTATIC " + SAMPLES + "counter at line "))),
            Map.entry("readsStaticArray", List.of(in(Rule.FIELD, "GETSTATIC " + SAMPLES + "TABLE at line "))),
            Map.entry("callsVirtual", List.of(in(Rule.CALL, "INVOKEVIRTUAL [F.clone at line "))),
            Map.entry("callsUnlistedLibrary", List.of(in(Rule.CALL, "INVOKESTATIC java/lang/Math.floor at line "))),
            Map.entry("decodesHalf", List.of(in(Rule.CALL, "INVOKESTATIC java/lang/Float.float16ToFloat at line "))),
            Map.entry("absOfInt", List.of(in(Rule.CALL, "INVOKESTATIC java/lang/Math.abs at line "))),
            Map.entry("concatenatesStrings", List.of(in(Rule.CALL, "INVOKEDYNAMIC makeConcatWithConstants at line "))),
            Map.entry("usesLambda", List.of(in(Rule.CALL, "INVOKEDYNAMIC applyAsInt at line "))),
            Map.entry("loadsString", List.of(in(Rule.CONSTANT, "LDC \"copy\" at line "))),
            Map.entry("readsLength", List.of(in(Rule.ARRAY_LENGTH, "ARRAYLENGTH at line "))),
            Map.entry("recurses", List.of(via("factorial", Rule.RECURSION,
                    "INVOKESTATIC " + SAMPLES + "factorial at line "))),
            Map.entry("allocatesInHelper", List.of(via("rowSum", Rule.ALLOCATION, "NEWARRAY float at line "))),
            Map.entry("parallelFromOffset", List.of(
                    in(Rule.PARALLEL_LOOP, "@Parallel r starts at ILOAD rowOffset at line "),
                    in(Rule.PARALLEL_LOOP, "outermost @Parallel r is not bounded by r < rowCount at line "))),
            Map.entry("innerParallelFromOne", List.of(in(Rule.PARALLEL_LOOP, "@Parallel c starts at ICONST_1 at line "))),
            Map.entry("parallelInHelperFromOne", List.of(via("copyColumnsFromOne", Rule.PARALLEL_LOOP,
                    "@Parallel c starts at ICONST_1 at line "))),
            Map.entry("boundedByColumns", List.of(in(Rule.PARALLEL_LOOP,
                    "outermost @Parallel r is not bounded by r < rowCount at line "))),
            Map.entry("stepsByTwo", List.of(in(Rule.PARALLEL_LOOP,
                    "outermost @Parallel r does not step by exactly one r++ (found IINC r 2 at line "))),
            Map.entry("noParallelLoop", List.of(in(Rule.PARALLEL_LOOP, "no @Parallel loop"))),
            Map.entry("assignsRowCount", List.of(in(Rule.PARALLEL_LOOP, "rowCount is assigned by ISTORE rowCount at line "))),
            Map.entry("storesUnmarked", List.of(in(Rule.OUT, "parameter out is not @Out but FASTORE at line "))),
            Map.entry("storesUnmarkedThroughAlias", List.of(in(Rule.OUT, "parameter out is not @Out but FASTORE at line "))),
            Map.entry("storesUnmarkedThroughHelper", List.of(in(Rule.OUT,
                    "parameter out is not @Out but INVOKESTATIC " + SAMPLES + "copyOne at line "))),
            Map.entry("outNeverStored", List.of(in(Rule.OUT, "@Out parameter unused is never stored to"))),
            Map.entry("outOnScalar", List.of(in(Rule.OUT, "@Out on parameter cols, which is not an array"))),
            Map.entry("objectParameter", List.of(in(Rule.SIGNATURE, "parameter name has type java.lang.String"))),
            Map.entry("matrixParameter", List.of(in(Rule.SIGNATURE, "parameter x has type float[][]"))));

    static Stream<Arguments> badKernels() {
        return EXPECTED.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badKernels")
    void badKernelIsReportedForExactlyItsRule(String kernel, List<Expected> expected) {
        List<Violation> actual = CHECKER.checkKernel(BAD, kernel);
        String report = actual.stream().map(Violation::toString).collect(Collectors.joining("\n"));
        assertEquals(expected.size(), actual.size(), report);
        for (int i = 0; i < expected.size(); i++) {
            Expected e = expected.get(i);
            Violation v = actual.get(i);
            assertEquals("BadKernels." + kernel, v.kernel(), report);
            assertEquals(e.helper() == null ? v.kernel() : e.helper(), v.method(), report);
            assertEquals(e.rule(), v.rule(), report);
            assertTrue(v.detail().startsWith(e.detail()), "expected detail starting with '" + e.detail() + "'\n" + report);
        }
    }

    @Test
    void everyBadSampleIsExpectedAndEveryRuleHasASample() {
        Set<String> samples = KernelChecker.kernels(ClassSource.of(LOADER).get(BAD)).stream()
                .map(m -> m.name).collect(Collectors.toSet());
        assertEquals(samples, EXPECTED.keySet());
        Set<Rule> covered = EnumSet.of(Rule.DEBUG_INFO); // by debugInfoIsRequired
        EXPECTED.values().forEach(list -> list.forEach(e -> covered.add(e.rule())));
        assertEquals(EnumSet.allOf(Rule.class), covered);
    }

    @Test
    void violationNamesKernelInstructionLineAndRule() {
        String text = CHECKER.checkKernel(BAD, "allocatesObject").get(0).toString();
        assertTrue(text.matches("BadKernels\\.allocatesObject: NEW java/lang/Object at line \\d+ \\(rule: no allocation\\)"),
                text);
        String viaHelper = CHECKER.checkKernel(BAD, "allocatesInHelper").get(0).toString();
        assertTrue(viaHelper.startsWith("BadKernels.allocatesInHelper via BadKernels.rowSum: NEWARRAY float at line "),
                viaHelper);
    }

    @Test
    void goodKernelsHaveNoViolations() {
        List<Violation> violations = CHECKER.checkClass(GOOD);
        assertTrue(violations.isEmpty(), violations.stream().map(Violation::toString).collect(Collectors.joining("\n")));
        assertEquals(5, KernelChecker.kernels(ClassSource.of(LOADER).get(GOOD)).size());
    }

    @Test
    void debugInfoIsRequired() {
        byte[] stripped = withoutLocalVariableTable(ClassSource.bytes(LOADER, GOOD));
        Function<String, byte[]> reader = name -> name.equals(GOOD) ? stripped : ClassSource.bytes(LOADER, name);
        List<Violation> violations = new KernelChecker(new ClassSource(reader)).checkClass(GOOD);
        assertEquals(List.of(new Violation("GoodKernels.scaledCopy", "GoodKernels.scaledCopy", Rule.DEBUG_INFO,
                "no LocalVariableTable: compiled without -g")), violations.subList(0, 1));
        assertTrue(violations.stream().allMatch(v -> v.rule() == Rule.DEBUG_INFO), violations::toString);
        Set<String> methods = violations.stream().map(Violation::method).collect(Collectors.toSet());
        // Every kernel and the local helper; helpers of other classes keep their table.
        assertEquals(Set.of("GoodKernels.scaledCopy", "GoodKernels.twoDimensional", "GoodKernels.throughHelpers",
                "GoodKernels.copyRow", "GoodKernels.libraryCalls", "GoodKernels.chosenOutput"), methods);
    }

    /** The class as {@code javac -g:source,lines -parameters} leaves it: no local-variable (type) table. */
    private static byte[] withoutLocalVariableTable(byte[] bytes) {
        ClassWriter writer = new ClassWriter(0);
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
                    @Override
                    public void visitLocalVariable(String n, String d, String s, Label start, Label end, int index) {
                        // dropped
                    }
                };
            }
        }, 0);
        return writer.toByteArray();
    }

    private static String internalName(Class<?> c) {
        return c.getName().replace('.', '/');
    }
}
