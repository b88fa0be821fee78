package io.btlib.storage.internal;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.metainfo.TorrentVersion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Builds the metainfo dictionary of a new torrent from the scan, the hashes and the options, in
 * the shape libtorrent 2.0 gives it (so the info hashes, and usually the whole file, come out the
 * same). Internal, not API.
 */
public final class CreatorInfo {

  /**
   * The options outside the hashing.
   *
   * @param trackerTiers the tiers of tracker URLs
   * @param webSeeds the {@code url-list}
   * @param isPrivate BEP 27
   * @param comment or null
   * @param createdBy or null
   * @param creationDate or null
   */
  public record Options(List<List<String>> trackerTiers, List<String> webSeeds, boolean isPrivate,
      String comment, String createdBy, Instant creationDate) {}

  private CreatorInfo() {}

  /** The whole metainfo dictionary. */
  public static BDict build(CreatorJob job, TorrentVersion format, int pieceLength, boolean padV1,
      Options o) {
    CreatorScan.Result scan = job.scan();
    List<CreatorFile> files = scan.files();
    BDict.Builder info = BDict.builder();
    info.put("name", scan.name());
    info.put("piece length", pieceLength);
    if (o.isPrivate()) {
      info.put("private", 1);
    }
    if (format.hasV1()) {
      info.put("pieces", BString.of(job.piecesV1()));
      if (!scan.multiFile()) {
        CreatorFile f = files.get(0);
        info.put("length", f.length());
        if (f.executable()) {
          info.put("attr", "x");
        }
      } else {
        List<BValue> list = new ArrayList<>();
        for (CreatorFile f : files) {
          list.add(v1Entry(f.executable() ? "x" : null, f.length(), f.path()));
          long tail = f.length() % pieceLength;
          if (padV1 && tail != 0) {
            long pad = pieceLength - tail;
            list.add(v1Entry("p", pad, List.of(".pad", Long.toString(pad))));
          }
        }
        info.put("files", BList.of(list));
      }
    }
    BDict.Builder layers = null;
    if (format.hasV2()) {
      info.put("meta version", 2);
      layers = BDict.builder();
      Node tree = new Node();
      for (int i = 0; i < files.size(); i++) {
        CreatorFile f = files.get(i);
        BDict.Builder leaf = BDict.builder();
        leaf.put("length", f.length());
        if (f.executable()) {
          leaf.put("attr", "x");
        }
        if (f.length() > 0) {
          leaf.put("pieces root", BString.of(job.root(i)));
        }
        if (job.layer(i) != null) {
          layers.put(BString.of(job.root(i)), BString.of(job.layer(i)));
        }
        Node dir = tree;
        List<String> path = f.path();
        for (int c = 0; c < path.size() - 1; c++) {
          dir = dir.dir(path.get(c));
        }
        dir.children.put(path.get(path.size() - 1),
            BDict.builder().put("", leaf.build()).build());
      }
      info.put("file tree", tree.toBDict());
    }

    BDict.Builder root = BDict.builder();
    List<List<String>> tiers = o.trackerTiers();
    int urls = 0;
    for (List<String> t : tiers) {
      urls += t.size();
    }
    if (urls > 0) {
      root.put("announce", tiers.get(0).get(0));
    }
    if (urls > 1) {
      List<BValue> ts = new ArrayList<>();
      for (List<String> t : tiers) {
        ts.add(strings(t));
      }
      root.put("announce-list", BList.of(ts));
    }
    if (o.comment() != null) {
      root.put("comment", o.comment());
    }
    if (o.createdBy() != null) {
      root.put("created by", o.createdBy());
    }
    if (o.creationDate() != null) {
      root.put("creation date", o.creationDate().getEpochSecond());
    }
    root.put("info", info.build());
    if (layers != null) {
      root.put("piece layers", layers.build());
    }
    if (o.webSeeds().size() == 1) {
      root.put("url-list", o.webSeeds().get(0)); // one web seed as a string, as libtorrent does
    } else if (!o.webSeeds().isEmpty()) {
      root.put("url-list", strings(o.webSeeds()));
    }
    return root.build();
  }

  private static BDict v1Entry(String attr, long length, List<String> path) {
    BDict.Builder e = BDict.builder();
    if (attr != null) {
      e.put("attr", attr);
    }
    e.put("length", length);
    e.put("path", strings(path));
    return e.build();
  }

  private static BList strings(List<String> s) {
    List<BValue> out = new ArrayList<>(s.size());
    for (String x : s) {
      out.add(BString.of(x));
    }
    return BList.of(out);
  }

  /** A directory of the v2 file tree being built. */
  private static final class Node {
    final TreeMap<String, Object> children = new TreeMap<>();

    Node dir(String name) {
      return (Node) children.computeIfAbsent(name, k -> new Node());
    }

    BDict toBDict() {
      BDict.Builder b = BDict.builder();
      for (var e : children.entrySet()) {
        Object v = e.getValue();
        b.put(e.getKey(), v instanceof Node ? ((Node) v).toBDict() : (BValue) v);
      }
      return b.build();
    }
  }
}
