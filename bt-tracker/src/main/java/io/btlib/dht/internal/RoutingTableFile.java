package io.btlib.dht.internal;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.dht.NodeId;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Saves and restores a routing table: a bencoded dictionary {@code {id, nodes, nodes6}} with
 * compact node info, written to a temporary file beside the target and renamed over it, so a crash
 * leaves either the old file or the new one.
 */
public final class RoutingTableFile {
  /** The most nodes saved or restored. */
  public static final int MAX_NODES = 1000;

  private RoutingTableFile() {}

  /** What a file held. */
  public record Saved(NodeId id, List<NodeInfo> nodes) {}

  /** Writes {@code id} and {@code nodes} to {@code file} atomically. */
  public static void save(Path file, NodeId id, List<NodeInfo> nodes) throws IOException {
    List<NodeInfo> some = nodes.size() > MAX_NODES ? nodes.subList(0, MAX_NODES) : nodes;
    BDict d =
        BDict.builder()
            .put("id", BString.of(id.bytes()))
            .put("nodes", BString.of(KrpcCodec.encodeCompactNodes(some, false)))
            .put("nodes6", BString.of(KrpcCodec.encodeCompactNodes(some, true)))
            .build();
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      Files.write(tmp, BencodeWriter.encode(d));
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads a file written by {@link #save}.
   *
   * @throws IOException if it cannot be read or is malformed (the message says what)
   */
  public static Saved load(Path file) throws IOException {
    long size = Files.size(file);
    if (size > 64L * MAX_NODES + 1024) {
      throw new IOException(file + ": " + size + " bytes, too large for a routing table");
    }
    byte[] b = Files.readAllBytes(file);
    try {
      BDict d = Bdecoder.strict().decodeDict(b);
      if (!(d.get("id") instanceof BString id) || id.length() != NodeId.LENGTH) {
        throw new IOException(file + ": id missing or not 20 bytes");
      }
      List<NodeInfo> nodes = new ArrayList<>();
      for (String key : List.of("nodes", "nodes6")) {
        BValue v = d.get(key);
        if (v == null) {
          continue;
        }
        if (!(v instanceof BString s)) {
          throw new IOException(file + ": " + key + " is not a string");
        }
        try {
          nodes.addAll(KrpcCodec.decodeCompactNodes(s.bytes(), key.equals("nodes6")));
        } catch (IllegalArgumentException e) {
          throw new IOException(file + ": " + key + ": " + e.getMessage(), e);
        }
      }
      return new Saved(
          NodeId.of(id.bytes()),
          List.copyOf(nodes.size() > MAX_NODES ? nodes.subList(0, MAX_NODES) : nodes));
    } catch (BencodeException e) {
      throw new IOException(file + ": not bencode: " + e.getMessage(), e);
    }
  }
}
