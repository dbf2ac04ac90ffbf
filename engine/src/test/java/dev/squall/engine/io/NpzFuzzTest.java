package dev.squall.engine.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Npz#read(Path)} under {@link ReaderFuzz}: corrupt archives (truncated, flipped, lying entry sizes, bad
 * CRCs, directory, duplicate, nested and non-array members) and corrupt members (every {@code .npy} mutation of
 * {@link NpyFuzzTest}, stored or deflated) end in an {@link NpyFormatException} or a consistent map of arrays.
 * A read may allocate what the archive's members can hold: stored bytes as they are, deflated ones at most
 * {@link Npz#MAX_DEFLATE_RATIO} times expanded.
 */
class NpzFuzzTest {
    /** Local file header, central directory header. */
    private static final int LOC = 0x04034b50;
    private static final int CEN = 0x02014b50;

    @TempDir
    Path dir;

    /** A member of an archive, for rebuilding one. */
    private record Member(String name, byte[] bytes, boolean deflated) {
    }

    @Test
    void everyCorruptionIsAFormatErrorOrAConsistentMap() throws IOException {
        Map<String, ReaderFuzz.Mutation> npyMutations = NpyFuzzTest.fuzz().mutations();
        List<String> npyNames = List.copyOf(npyMutations.keySet());
        new ReaderFuzz<Map<String, NdArray>>("npz", Npz::read, NpyFormatException.class,
                arrays -> arrays.values().forEach(NpyFuzzTest::checkConsistent),
                size -> Npz.MAX_DEFLATE_RATIO * size + ReaderFuzz.SLACK_BYTES)
                .mutation("corrupt member", (b, rnd) -> editMembers(b, rnd, members -> {
                    int m = rnd.nextInt(members.size());
                    Member old = members.get(m);
                    ReaderFuzz.Mutation mutation = npyMutations.get(npyNames.get(rnd.nextInt(npyNames.size())));
                    members.set(m, new Member(old.name(), mutation.apply(old.bytes(), rnd), rnd.nextBoolean()));
                }))
                .mutation("duplicate member", (b, rnd) -> editMembers(b, rnd, members -> {
                    Member m = members.get(rnd.nextInt(members.size()));
                    String name = rnd.nextBoolean() ? m.name() : m.name().replace(".npy", "");
                    members.add(rnd.nextInt(members.size() + 1), new Member(name, m.bytes(), m.deflated()));
                }))
                .mutation("odd member", (b, rnd) -> editMembers(b, rnd, members -> {
                    String name = List.of("dir/", "../up.npy", "x", "a/b/c.npy", "  .npy", "ü.npy").get(rnd.nextInt(6));
                    byte[] bytes = switch (rnd.nextInt(3)) {
                        case 0 -> ByteMutations.random(rnd, rnd.nextInt(200));
                        case 1 -> b; // a whole archive as a member
                        default -> new byte[0];
                    };
                    members.add(new Member(name, name.endsWith("/") ? new byte[0] : bytes, rnd.nextBoolean()));
                }))
                .mutation("lying entry sizes", NpzFuzzTest::lyingSizes)
                .mutation("bad crc", (b, rnd) -> patchHeaders(b, rnd, 16, 14, rnd.nextInt()))
                .run(dir, samples(), 2000);
    }

    /** Valid archives: stored (as {@link Npz#write} and {@code np.savez}), deflated, empty. */
    private static List<byte[]> samples() {
        List<byte[]> samples = new ArrayList<>();
        List<byte[]> arrays = NpyFuzzTest.samples();
        for (boolean deflated : new boolean[] {false, true}) {
            List<Member> members = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                members.add(new Member("layer" + i + ".weight.npy", arrays.get(i * 2), deflated));
            }
            samples.add(zip(members));
        }
        samples.add(zip(List.of(new Member("w.npy", arrays.get(0), false))));
        samples.add(zip(List.of()));
        return samples;
    }

    private static byte[] zip(List<Member> members) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Member m : members) {
                ZipEntry entry = new ZipEntry(m.name());
                entry.setTime(0); // the same bytes in every run, so that a seed replays its cases
                if (!m.deflated()) {
                    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                    crc.update(m.bytes());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(m.bytes().length);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(m.bytes());
                zip.closeEntry();
            }
        } catch (java.util.zip.ZipException e) {
            return null; // e.g. a duplicate name, which ZipOutputStream refuses
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The archive rebuilt after {@code edit} changed its members; unchanged if it cannot be parsed or rebuilt. */
    private static byte[] editMembers(byte[] b, SplittableRandom rnd, java.util.function.Consumer<List<Member>> edit) {
        List<Member> members = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(b), StandardCharsets.UTF_8)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                members.add(new Member(e.getName(), in.readAllBytes(), e.getMethod() == ZipEntry.DEFLATED));
            }
        } catch (IOException | RuntimeException e) {
            return b;
        }
        if (members.isEmpty()) {
            members.add(new Member("w.npy", NpyFuzzTest.samples().get(0), rnd.nextBoolean()));
        }
        edit.accept(members);
        byte[] rebuilt = zip(members);
        return rebuilt == null ? duplicateByPatch(members, rnd) : rebuilt;
    }

    /** Two members of the same name: written under names of equal length, then the second renamed in place. */
    private static byte[] duplicateByPatch(List<Member> members, SplittableRandom rnd) {
        List<Member> renamed = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            renamed.add(new Member(String.format("%04d", i) + m.name(), m.bytes(), m.deflated()));
        }
        byte[] zip = zip(renamed);
        String first = new String(zip, StandardCharsets.ISO_8859_1);
        // every header of member 1 gets member 0's prefix "0000"
        return first.replace("0001" + members.get(1).name(), "0000" + members.get(1).name())
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A local or central header of a random member declares another compressed or uncompressed size. */
    private static byte[] lyingSizes(byte[] b, SplittableRandom rnd) {
        long value = switch (rnd.nextInt(5)) {
            case 0 -> 0xffffffffL; // the zip64 marker, with no zip64 field behind it
            case 1 -> 0x7fffffffL;
            case 2 -> 0;
            case 3 -> rnd.nextInt(1 << 12);
            default -> rnd.nextInt() & 0xffffffffL;
        };
        return rnd.nextBoolean() ? patchHeaders(b, rnd, 20, 18, (int) value) : patchHeaders(b, rnd, 24, 22, (int) value);
    }

    /** Writes {@code value} at offset {@code cenOffset} of a random central header or {@code locOffset} of a local one. */
    private static byte[] patchHeaders(byte[] b, SplittableRandom rnd, int cenOffset, int locOffset, int value) {
        boolean central = rnd.nextBoolean();
        List<Integer> at = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.wrap(b.clone()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= b.length; i++) {
            if (buf.getInt(i) == (central ? CEN : LOC)) {
                at.add(i);
            }
        }
        int offset = central ? cenOffset : locOffset;
        if (at.isEmpty()) {
            return b;
        }
        int header = at.get(rnd.nextInt(at.size()));
        if (header + offset + 4 > b.length) {
            return b;
        }
        buf.putInt(header + offset, value);
        return buf.array();
    }
}
