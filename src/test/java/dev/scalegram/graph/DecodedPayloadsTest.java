package dev.scalegram.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.scalegram.json.Json;
import dev.scalegram.social.Account;
import dev.scalegram.social.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecodedPayloadsTest {

    @Test
    void theSameBytesDecodeOnceAndOtherBytesDecodeAfresh() {
        Status first = new Status(7, "hello", List.of(1L, 2L), 0, 0, List.of("tag"));
        byte[] bytes = Json.bytes(first);
        Status a = DecodedPayloads.decode(bytes, Status.class);
        Status b = DecodedPayloads.decode(bytes.clone(), Status.class);
        assertEquals(first, a);
        assertSame(a, b, "equal bytes in another array are the same payload");

        Status edited = new Status(7, "hello, edited", List.of(1L, 2L), 0, 0, List.of("tag"));
        assertEquals(edited, DecodedPayloads.decode(Json.bytes(edited), Status.class));
        assertEquals(first, DecodedPayloads.decode(bytes, Status.class));
    }

    @Test
    void theMemoKeepsItsOwnCopyOfTheBytes() {
        Account ann = new Account("ann", "Ann", "", 1, 2, false);
        Account bob = new Account("ann", "Bob", "", 1, 2, false);
        byte[] bytes = Json.bytes(ann);
        byte[] other = Json.bytes(bob);
        assertEquals(bytes.length, other.length);
        assertEquals(ann, DecodedPayloads.decode(bytes, Account.class));
        // The caller's array overwritten in place: the memo must not answer the old record for the new bytes.
        System.arraycopy(other, 0, bytes, 0, bytes.length);
        assertEquals(bob, DecodedPayloads.decode(bytes, Account.class));
    }

    @Test
    void sharedRecordsCannotBeChangedByOneOfTheirReaders() {
        List<Long> media = new ArrayList<>(List.of(1L));
        Status s = DecodedPayloads.decode(Json.bytes(new Status(7, "x", media, 0, 0, List.of())), Status.class);
        assertThrows(UnsupportedOperationException.class, () -> s.mediaIds().add(2L));
        assertThrows(UnsupportedOperationException.class, () -> s.tags().add("t"));
    }
}
