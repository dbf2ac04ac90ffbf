package dev.squall.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyHeaderTest {
    private static final String SOURCE = "model.npy";

    private static NpyHeader parse(String dict) throws NpyFormatException {
        return NpyHeader.parse(dict, SOURCE);
    }

    private static String rejection(String dict) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> parse(dict));
        assertTrue(e.getMessage().startsWith(SOURCE + ": "), e.getMessage());
        assertEquals(SOURCE, e.source());
        return e.getMessage();
    }

    @Test
    void dtypesHaveNumpyDescriptors() throws NpyFormatException {
        for (DType type : DType.values()) {
            assertEquals(type, DType.fromDescr(type.descr(), SOURCE));
        }
        assertEquals("<f4", DType.FLOAT32.descr());
        assertEquals("<f2", DType.FLOAT16.descr());
        assertEquals("|i1", DType.INT8.descr());
        assertEquals("<i4", DType.INT32.descr());
        assertEquals("|b1", DType.BOOL.descr());
        assertEquals(2, DType.FLOAT16.bytes());
        assertEquals(1, DType.BOOL.bytes());
    }

    @Test
    void anyByteOrderMarkIsAccepted() throws NpyFormatException {
        assertEquals(DType.FLOAT32, DType.fromDescr(">f4", SOURCE));
        assertEquals(DType.FLOAT32, DType.fromDescr("=f4", SOURCE));
        assertEquals(DType.FLOAT32, DType.fromDescr("f4", SOURCE));
        assertEquals(DType.INT32, DType.fromDescr(">i4", SOURCE));
        assertEquals(DType.FLOAT16, DType.fromDescr(">f2", SOURCE));
        assertEquals(DType.INT8, DType.fromDescr("<i1", SOURCE));
        assertEquals(ByteOrder.BIG_ENDIAN, DType.byteOrder(">f4"));
        assertEquals(ByteOrder.LITTLE_ENDIAN, DType.byteOrder("<f4"));
        assertEquals(ByteOrder.LITTLE_ENDIAN, DType.byteOrder("|i1"));
    }

    @Test
    void unsupportedDtypesNameTheSourceTheTypeAndTheAlternatives() {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> DType.fromDescr("<f8", SOURCE));
        String message = e.getMessage();
        assertTrue(message.startsWith("model.npy: unsupported dtype '<f8' (float64)"), message);
        assertTrue(message.contains("float32 ('<f4'), float16 ('<f2'), int8 ('|i1'), int32 ('<i4'), bool ('|b1')"),
                message);
        assertTrue(message.contains("astype(np.float32)"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"<f8", "<u8", "|u1", "<c8", "|O", "<U5", "|S3", ""})
    void rejectsEveryOtherDescr(String descr) {
        String message = rejection(NpyBytes.dict(descr, "(2,)"));
        assertTrue(message.contains("unsupported dtype '" + descr + "'"), message);
        assertTrue(message.contains("astype(np.float32)"), message);
    }

    @Test
    void hintsNameTheNumpyType() {
        assertTrue(rejection(NpyBytes.dict("<u8", "(2,)")).contains("(uint64)"));
        assertTrue(rejection(NpyBytes.dict("|u1", "(2,)")).contains("(uint8)"));
        assertTrue(rejection(NpyBytes.dict("|O", "(2,)")).contains("(object)"));
    }

    @Test
    void rejectsStructuredDtypes() {
        String message = rejection("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }");
        assertTrue(message.contains("structured"), message);
        assertTrue(message.contains("float32 ('<f4')"), message);
    }

    @Test
    void parsesNumpysOwnFormat() throws NpyFormatException {
        NpyHeader h = parse("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(40) + "\n");
        assertEquals(DType.FLOAT32, h.dtype());
        assertEquals(ByteOrder.LITTLE_ENDIAN, h.order());
        assertArrayEquals(new int[] {2, 3}, h.shape());
    }

    @Test
    void parsesScalarAndOneDimensionalShapes() throws NpyFormatException {
        assertArrayEquals(new int[0], parse(NpyBytes.dict("<f4", "()")).shape());
        assertArrayEquals(new int[] {5}, parse(NpyBytes.dict("<f4", "(5,)")).shape());
        assertArrayEquals(new int[] {0, 3}, parse(NpyBytes.dict("<f4", "(0, 3)")).shape());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i4'}",
            "{\"descr\":\"<i4\",\"fortran_order\":False,\"shape\":(2,3)}",
            "  {  'fortran_order' :False ,'descr':  '<i4' ,\n 'shape' : ( 2 , 3 , ) , }  \n",
            "{'descr': u'<i4', 'fortran_order': False, 'shape': (2L, 3L), }",
            "{'descr': '<i4', 'fortran_order': False, 'shape': [2, 3]}",
    })
    void parsesAnyKeyOrderSpacingAndTrailingCommas(String dict) throws NpyFormatException {
        NpyHeader h = parse(dict);
        assertEquals(DType.INT32, h.dtype());
        assertArrayEquals(new int[] {2, 3}, h.shape());
    }

    @Test
    void bigEndianDescrsGiveBigEndianOrder() throws NpyFormatException {
        assertEquals(ByteOrder.BIG_ENDIAN, parse(NpyBytes.dict(">f2", "(1,)")).order());
    }

    @Test
    void rejectsFortranOrderWhenItChangesTheLayout() {
        String message = rejection("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }");
        assertTrue(message.contains("Fortran"), message);
        assertTrue(message.contains("np.ascontiguousarray"), message);
    }

    @Test
    void acceptsFortranOrderWhenItDoesNot() throws NpyFormatException {
        // NumPy flags 1-D and size-1-padded arrays this way; their bytes are the same in either order
        assertArrayEquals(new int[] {5}, parse("{'descr': '<f4', 'fortran_order': True, 'shape': (5,), }").shape());
        assertArrayEquals(new int[] {1, 7, 1},
                parse("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 7, 1), }").shape());
    }

    @Test
    void rejectsNegativeAndOversizedShapes() {
        assertTrue(rejection(NpyBytes.dict("<f4", "(-1, 3)")).contains("shape (-1, 3) has a negative dimension"));
        String overflow = rejection(NpyBytes.dict("<f4", "(65536, 32768)"));
        assertTrue(overflow.contains("shape (65536, 32768) has 2147483648 elements, more than a Java array can hold"),
                overflow);
        assertTrue(rejection(NpyBytes.dict("<f4", "(3000000000, 0)")).contains("has dimension 3000000000"));
        assertTrue(rejection(NpyBytes.dict("<f4", "(99999999999999999999999,)")).contains("more than a Java array"));
        // the largest count a Java array could hold is accepted
        NpyHeader largest = parseOrFail(NpyBytes.dict("|i1", "(2147483647,)"));
        assertEquals(Integer.MAX_VALUE, largest.elementCount());
    }

    private static NpyHeader parseOrFail(String dict) {
        return assertDoesNotThrow(() -> parse(dict));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "[1, 2]",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3) 'x': 1}",
            "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} trailing",
            "{'descr': '<f4', 'fortran_order': False}",
            "{'descr': '<f4', 'shape': (2, 3)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
            "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}",
            "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': 6}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (6)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': ('2', 3)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -)}",
            "{1: '<f4'}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': ((((((((((((((((((((1,),),),),),),),),),),),),),),),),),),),)}",
    })
    void rejectsMalformedHeaders(String dict) {
        String message = rejection(dict);
        assertTrue(message.contains("malformed header"), message);
    }

    @Test
    void writesTheDictExactlyAsNumpyDoes() {
        // np.save pads the dict so the first dimension can grow to 21 digits (numpy.lib.format.GROWTH_AXIS_MAX_DIGITS)
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(20),
                NpyHeader.of(NdArray.of(new float[6], 2, 3)).dictText());
        assertEquals("{'descr': '|i1', 'fortran_order': False, 'shape': (5,), }" + " ".repeat(20),
                NpyHeader.of(NdArray.of(new byte[5], 5)).dictText());
        assertEquals("{'descr': '<i4', 'fortran_order': False, 'shape': (1000, 0), }" + " ".repeat(17),
                NpyHeader.of(NdArray.of(new int[0], 1000, 0)).dictText());
        assertEquals("{'descr': '|b1', 'fortran_order': False, 'shape': (), }",
                NpyHeader.of(NdArray.ofBool(new byte[1])).dictText());
    }

    @Test
    void headersAreAlignedTo64BytesAndEndWithANewline() {
        for (int rank = 0; rank < 40; rank++) {
            int[] shape = new int[rank];
            Arrays.fill(shape, 1);
            byte[] header = NpyHeader.of(NdArray.of(new float[1], shape)).encode();
            assertEquals(0, header.length % 64, "rank " + rank);
            assertEquals('\n', header[header.length - 1]);
            assertEquals(header.length - 10, (header[8] & 0xff) | (header[9] & 0xff) << 8);
        }
    }
}
