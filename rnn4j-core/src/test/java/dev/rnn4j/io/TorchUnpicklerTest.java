package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-written hostile pickles against the allow-list and the bounds, opcode by opcode. */
class TorchUnpicklerTest {
  private static Object load(byte[] pickle) throws TorchLoadException {
    return new TorchUnpickler(new TorchUnpickler.Input(pickle, 0, pickle.length), "test.pkl", false, new HashMap<>())
        .loadOne();
  }

  private static String refused(String pickle) {
    return refused(pickle.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String refused(byte[] pickle) {
    return assertThrows(TorchLoadException.class, () -> load(pickle)).getMessage();
  }

  @Test
  void stackGlobalIsCheckedToo() {
    // protocol 4: SHORT_BINUNICODE 'posix', SHORT_BINUNICODE 'system', STACK_GLOBAL
    String m = refused("\u0080\u0004\u008c\u0005posix\u008c\u0006system\u0093.");
    assertTrue(m.contains("global 'posix.system' is not allowed") && m.contains("test.pkl byte 17"), m);
  }

  @Test
  void instAndObjAreRefused() {
    assertTrue(refused("(ios\nsystem\n.").contains("opcode 0x69 is not used by state dicts"));
    assertTrue(refused("\u0080\u0002(cos\nsystem\no.").contains("'os.system' is not allowed"));
  }

  @Test
  void listAsDictKeyIsRefused() {
    // EMPTY_DICT, EMPTY_LIST (key), NONE (value), SETITEM: a list key would recurse in hashCode when deep
    String m = refused("\u0080\u0002}]Ns.");
    assertTrue(m.contains("dict key of type list is not allowed"), m);
  }

  @Test
  void lengthsBeyondTheInputAreRefusedBeforeAllocating() {
    String m = refused("\u0080\u0002X\u00ff\u00ff\u00ff\u007fabc.");
    assertTrue(m.contains("declared length 2147483647 exceeds the 4 bytes left"), m);
    m = refused("\u0080\u0004\u008e\u0000\u0000\u0000\u0000\u0001\u0000\u0000\u0000.");
    assertTrue(m.contains("declared length 4294967296"), m);
  }

  @Test
  void hugeDecimalTextIsRefused() {
    String m = refused("I" + "9".repeat(100_000) + "\n.");
    assertTrue(m.contains("text argument longer than 64 characters"), m);
  }

  @Test
  void setsAndExtensionsAreRefused() {
    assertTrue(refused("\u0080\u0004\u008f.").contains("opcode 0x8f"));
    assertTrue(refused("\u0080\u0002\u0082\u0001.").contains("opcode 0x82"));
  }

  @Test
  void badPersistentIdsAreRefused() {
    String m = refused("\u0080\u0002(X\u0007\u0000\u0000\u0000storageX\u0001\u0000\u0000\u00000tQ.");
    assertTrue(m.contains("persistent id must be a 5-tuple"), m);
    m = refused("\u0080\u0002(X\u0007\u0000\u0000\u0000storageNX\u0001\u0000\u0000\u00000X\u0003\u0000\u0000\u0000cpuK\u0001tQ.");
    assertTrue(m.contains("storage type must be a torch.<T>Storage global, got None"), m);
  }

  @Test
  void orderedDictsKeepTheirOrder() throws TorchLoadException {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.writeBytes("\u0080\u0002ccollections\nOrderedDict\n)R(".getBytes(StandardCharsets.ISO_8859_1));
    List<String> keys = List.of("z", "a", "m", "b", "y", "c", "x", "d", "w", "e", "v", "f", "u", "g");
    for (String k : keys) {
      p.writeBytes(("X\u0001\u0000\u0000\u0000" + k + "N").getBytes(StandardCharsets.ISO_8859_1));
    }
    p.writeBytes("u.".getBytes(StandardCharsets.ISO_8859_1));
    Object o = load(p.toByteArray());
    assertEquals(keys, List.copyOf(((Map<?, ?>) o).keySet()));
  }

  @Test
  void truncatedPickleNamesThePosition() {
    String m = refused("\u0080\u0002}(X\u0001\u0000\u0000\u0000a");
    assertTrue(m.startsWith("test.pkl byte ") && m.contains("malformed pickle"), m);
  }
}
