package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KrpcCodecTest {
  static final NodeId A = NodeId.fromHex("0123456789abcdef0123456789abcdef01234567");
  static final NodeId B = NodeId.fromHex("fedcba9876543210fedcba9876543210fedcba98");
  static final byte[] T = {'a', 'a'};

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String id20(char c) {
    return "20:" + String.valueOf(c).repeat(20);
  }

  static KrpcException fails(byte[] packet) {
    return catchThrowableOfType(KrpcException.class, () -> KrpcCodec.decode(packet));
  }

  static NodeInfo node(NodeId id, String ip, int port) throws Exception {
    return new NodeInfo(id, new InetSocketAddress(InetAddress.getByName(ip), port));
  }

  // ---------------------------------------------------------------- BEP 5 examples

  @Test
  void decodesTheBep5PingExample() throws Exception {
    KrpcMessage m = KrpcCodec.decode(b("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"));
    assertThat(m).isInstanceOf(KrpcMessage.Query.class);
    KrpcMessage.Query q = (KrpcMessage.Query) m;
    assertThat(q.method()).isEqualTo(KrpcMessage.Method.PING);
    assertThat(q.transactionId()).isEqualTo(T);
    assertThat(q.id()).isEqualTo(NodeId.of(b("abcdefghij0123456789")));
    assertThat(q.readOnly()).isFalse();
  }

  @Test
  void encodesAPingExactlyAsBep5Shows() {
    byte[] out =
        KrpcCodec.encode(KrpcMessage.Query.ping(T, NodeId.of(b("abcdefghij0123456789")), false));
    assertThat(new String(out, StandardCharsets.ISO_8859_1))
        .isEqualTo("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe");
  }

  @Test
  void decodesTheBep5AnnouncePeerExampleWithImpliedPort() throws Exception {
    KrpcMessage.Query q =
        (KrpcMessage.Query)
            KrpcCodec.decode(
                b(
                    "d1:ad2:id20:abcdefghij012345678912:implied_porti1e"
                        + "9:info_hash20:mnopqrstuvwxyz123456"
                        + "4:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe"));
    assertThat(q.method()).isEqualTo(KrpcMessage.Method.ANNOUNCE_PEER);
    assertThat(q.impliedPort()).isTrue();
    assertThat(q.port()).isEqualTo(6881);
    assertThat(q.token()).isEqualTo(b("aoeusnth"));
    assertThat(q.infoHash()).isEqualTo(NodeId.of(b("mnopqrstuvwxyz123456")));
  }

  @Test
  void decodesTheBep5ErrorExample() throws Exception {
    KrpcMessage.Error e =
        (KrpcMessage.Error)
            KrpcCodec.decode(b("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee"));
    assertThat(e.code()).isEqualTo(201);
    assertThat(e.message()).isEqualTo("A Generic Error Ocurred");
  }

  // ---------------------------------------------------------------- round trips

  @Test
  void everyQueryRoundTrips() throws Exception {
    List<KrpcMessage.Query> qs =
        List.of(
            KrpcMessage.Query.ping(T, A, true),
            KrpcMessage.Query.findNode(T, A, B, false),
            KrpcMessage.Query.getPeers(T, A, B, false),
            KrpcMessage.Query.announcePeer(T, A, B, 51413, false, b("tok12345"), false),
            KrpcMessage.Query.announcePeer(T, A, B, 1, true, b("t"), true));
    for (KrpcMessage.Query q : qs) {
      KrpcMessage.Query back = (KrpcMessage.Query) KrpcCodec.decode(KrpcCodec.encode(q));
      assertThat(back.method()).isEqualTo(q.method());
      assertThat(back.id()).isEqualTo(q.id());
      assertThat(back.target()).isEqualTo(q.target());
      assertThat(back.infoHash()).isEqualTo(q.infoHash());
      assertThat(back.port()).isEqualTo(q.port());
      assertThat(back.impliedPort()).isEqualTo(q.impliedPort());
      assertThat(back.token()).isEqualTo(q.token());
      assertThat(back.readOnly()).as("ro of %s", q.method()).isEqualTo(q.readOnly());
    }
  }

  @Test
  void aResponseWithNodesNodes6ValuesTokenAndIpRoundTrips() throws Exception {
    List<NodeInfo> nodes = List.of(node(B, "127.0.0.1", 6881), node(A, "10.1.2.3", 65535));
    List<NodeInfo> nodes6 = List.of(node(B, "::1", 7000));
    List<PeerAddress> values = List.of(PeerAddress.of("127.0.0.1", 1), PeerAddress.of("::1", 2));
    KrpcMessage.Response r =
        new KrpcMessage.Response(
            T, A, nodes, nodes6, values, b("tok"), PeerAddress.of("192.0.2.7", 9), null);

    byte[] wire = KrpcCodec.encode(r);
    KrpcMessage.Response back = (KrpcMessage.Response) KrpcCodec.decode(wire);

    assertThat(back.id()).isEqualTo(A);
    assertThat(back.nodes()).isEqualTo(nodes);
    assertThat(back.nodes6()).isEqualTo(nodes6);
    assertThat(back.values()).isEqualTo(values);
    assertThat(back.token()).isEqualTo(b("tok"));
    assertThat(back.ip()).isEqualTo(PeerAddress.of("192.0.2.7", 9));
    assertThat(new String(wire, StandardCharsets.ISO_8859_1)).contains("5:nodes52:", "6:nodes638:");
  }

  @Test
  void anErrorRoundTrips() throws Exception {
    KrpcMessage.Error e =
        (KrpcMessage.Error)
            KrpcCodec.decode(KrpcCodec.encode(new KrpcMessage.Error(T, 203, "bad token")));
    assertThat(e.code()).isEqualTo(203);
    assertThat(e.message()).isEqualTo("bad token");
    assertThat(e.transactionId()).isEqualTo(T);
  }

  @Test
  void compactNodesOfBothFamiliesRoundTripAndSkipPortZero() throws Exception {
    List<NodeInfo> v4 = List.of(node(A, "1.2.3.4", 5), node(B, "127.0.0.1", 0));
    byte[] enc = KrpcCodec.encodeCompactNodes(v4, false);
    assertThat(enc).hasSize(52);
    assertThat(KrpcCodec.decodeCompactNodes(enc, false)).containsExactly(v4.get(0));
    byte[] enc6 = KrpcCodec.encodeCompactNodes(List.of(node(A, "2001:db8::1", 80)), true);
    assertThat(enc6).hasSize(38);
    assertThat(KrpcCodec.decodeCompactNodes(enc6, true))
        .containsExactly(node(A, "2001:db8::1", 80));
  }

  @Test
  void unknownKeysAndUnsortedKeysAreAccepted() throws Exception {
    KrpcMessage m =
        KrpcCodec.decode(
            b("d1:y1:q1:t2:aa1:q4:ping1:ad2:id" + id20('x') + "3:fooi1ee5:extra3:abce"));
    assertThat(((KrpcMessage.Query) m).method()).isEqualTo(KrpcMessage.Method.PING);
  }

  /** A find_node whose arguments end with {@code wantBencode} (a key and a value). */
  private static int wantOf(String wantBencode) throws Exception {
    String target = "6:target20:" + "t".repeat(20);
    KrpcMessage m = KrpcCodec.decode(b("d1:ad2:id20:abcdefghij0123456789" + target + wantBencode
        + "e1:q9:find_node1:t2:aa1:y1:qe"));
    return ((KrpcMessage.Query) m).want();
  }

  @Test
  void bep32WantIsReadAndWritten() throws Exception {
    assertThat(wantOf("")).isZero();
    assertThat(wantOf("4:wantl2:n4e")).isEqualTo(KrpcMessage.Query.WANT_N4);
    assertThat(wantOf("4:wantl2:n6e")).isEqualTo(KrpcMessage.Query.WANT_N6);
    assertThat(wantOf("4:wantl2:n62:n4e"))
        .isEqualTo(KrpcMessage.Query.WANT_N4 | KrpcMessage.Query.WANT_N6);
    for (int want = 0; want <= 3; want++) {
      KrpcMessage.Query q = new KrpcMessage.Query(T, KrpcMessage.Method.GET_PEERS,
          NodeId.of(b("abcdefghij0123456789")), null, NodeId.of(b("mnopqrstuvwxyz123456")), 0,
          false, null, false, null, want);
      assertThat(((KrpcMessage.Query) KrpcCodec.decode(KrpcCodec.encode(q))).want())
          .isEqualTo(want);
    }
  }

  @Test
  void aMalformedWantIsIgnoredNotFatal() throws Exception {
    assertThat(wantOf("4:wanti3e")).as("an integer").isZero();
    assertThat(wantOf("4:want2:n4")).as("a string").isZero();
    assertThat(wantOf("4:wantli4ed1:ai1eee")).as("entries of other types").isZero();
    assertThat(wantOf("4:wantl2:n52:N4e")).as("unknown families").isZero();
    // only the first few entries are looked at, however long the list
    assertThat(wantOf("4:wantl" + "2:xx".repeat(300) + "2:n4e")).isZero();
  }

  // ---------------------------------------------------------------- hostile input

  @Test
  void bencodeGarbageIsRejectedNamingTheCause() {
    assertThat(fails(b("hello world")).getMessage()).startsWith("not bencode");
    assertThat(fails(b("d1:t2:aa")).getMessage()).startsWith("not bencode");
    assertThat(fails(new byte[0]).getMessage()).startsWith("not bencode");
    assertThat(fails(b("i42e")).getMessage()).contains("expected a dictionary");
  }

  @Test
  void aPacketOverTheLimitIsRejectedBeforeDecoding() {
    byte[] big = new byte[KrpcCodec.MAX_PACKET_BYTES + 1];
    assertThat(fails(big).getMessage()).isEqualTo("packet of 2049 bytes exceeds the limit of 2048");
  }

  @Test
  void transactionIdsMustBeAShortString() {
    assertThat(fails(b("d1:y1:qe")).getMessage()).isEqualTo("t: missing");
    assertThat(fails(b("d1:ti1e1:y1:qe")).getMessage())
        .isEqualTo("t: a INTEGER, expected a string");
    assertThat(fails(b("d1:t0:1:y1:qe")).getMessage()).isEqualTo("t: 0 bytes, expected 1 to 16");
    assertThat(fails(b("d1:t17:" + "x".repeat(17) + "1:y1:qe")).getMessage())
        .isEqualTo("t: 17 bytes, expected 1 to 16");
    assertThat(fails(b("d1:t2:aa1:y1:ze")).getMessage()).isEqualTo("y: 'z', expected q, r or e");
    assertThat(fails(b("d1:t2:aae")).getMessage()).isEqualTo("y: missing");
  }

  @Test
  void aQueryWithABadArgumentIsAnsweredWithError203() {
    String[][] cases = {
      {"d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe", "a.id: 19 bytes, expected 20"},
      {"d1:ade1:q4:ping1:t2:aa1:y1:qe", "a.id: missing"},
      {"d1:q4:ping1:t2:aa1:y1:qe", "a: missing"},
      {"d1:ali1ee1:q4:ping1:t2:aa1:y1:qe", "a: a LIST, expected a dictionary"},
      {"d1:ad2:idi5ee1:q4:ping1:t2:aa1:y1:qe", "a.id: a INTEGER, expected a string"},
      {"d1:ad2:id" + id20('x') + "e1:q9:find_node1:t2:aa1:y1:qe", "a.target: missing"},
      {
        "d1:ad2:id" + id20('x') + "9:info_hashi1ee1:q9:get_peers1:t2:aa1:y1:qe",
        "a.info_hash: a INTEGER, expected a string"
      },
      {
        "d1:ad2:id"
            + id20('x')
            + "9:info_hash"
            + id20('h')
            + "4:porti70000e5:token1:xe"
            + "1:q13:announce_peer1:t2:aa1:y1:qe",
        "a.port: 70000 out of range 1..65535"
      },
      {
        "d1:ad2:id"
            + id20('x')
            + "9:info_hash"
            + id20('h')
            + "4:porti0e5:token1:xe"
            + "1:q13:announce_peer1:t2:aa1:y1:qe",
        "a.port: 0 out of range 1..65535"
      },
      {
        "d1:ad2:id"
            + id20('x')
            + "9:info_hash"
            + id20('h')
            + "4:porti1ee"
            + "1:q13:announce_peer1:t2:aa1:y1:qe",
        "a.token: missing"
      },
      {
        "d1:ad2:id"
            + id20('x')
            + "9:info_hash"
            + id20('h')
            + "4:porti1e5:token65:"
            + "x".repeat(65)
            + "e1:q13:announce_peer1:t2:aa1:y1:qe",
        "a.token: 65 bytes, longer than 64"
      },
      {
        "d1:ad2:id" + id20('x') + "e1:q4:ping2:roli1ee1:t2:aa1:y1:qe",
        "ro: a LIST, expected an integer"
      },
      {"d1:ad2:id" + id20('x') + "e1:qi1e1:t2:aa1:y1:qe", "q: a INTEGER, expected a string"},
    };
    for (String[] c : cases) {
      KrpcException e = fails(b(c[0]));
      assertThat(e).as(c[0]).isNotNull();
      assertThat(e.getMessage()).as(c[0]).isEqualTo(c[1]);
      assertThat(e.answerable()).as(c[0]).isTrue();
      assertThat(e.errorCode()).as(c[0]).isEqualTo(203);
      assertThat(e.transactionId()).isEqualTo(T);
    }
  }

  @Test
  void anUnknownMethodIsAnsweredWithError204() {
    KrpcException e = fails(b("d1:ad2:id" + id20('x') + "e1:q3:put1:t2:aa1:y1:qe"));
    assertThat(e.getMessage()).isEqualTo("q: unknown method 'put'");
    assertThat(e.errorCode()).isEqualTo(204);
  }

  @Test
  void anAnnounceWithImpliedPortNeedsNoValidPort() throws Exception {
    KrpcMessage.Query q =
        (KrpcMessage.Query)
            KrpcCodec.decode(
                b(
                    "d1:ad2:id"
                        + id20('x')
                        + "12:implied_porti1e9:info_hash"
                        + id20('h')
                        + "4:porti0e5:token1:xe"
                        + "1:q13:announce_peer1:t2:aa1:y1:qe"));
    assertThat(q.impliedPort()).isTrue();
  }

  @Test
  void malformedResponsesAreDroppedNotAnswered() {
    String r = "d1:rd2:id" + id20('x');
    String end = "e1:t2:aa1:y1:re";
    String[][] cases = {
      {"d1:t2:aa1:y1:re", "r: missing"},
      {"d1:r3:abc1:t2:aa1:y1:re", "r: a STRING, expected a dictionary"},
      {"d1:rde1:t2:aa1:y1:re", "r.id: missing"},
      {"d1:rd2:id3:abce1:t2:aa1:y1:re", "r.id: 3 bytes, expected 20"},
      {r + "5:nodes25:" + "n".repeat(25) + end, "r.nodes: 25 bytes, not a multiple of 26"},
      {r + "5:nodes27:" + "n".repeat(27) + end, "r.nodes: 27 bytes, not a multiple of 26"},
      {r + "5:nodesi1e" + end, "r.nodes: a INTEGER, expected a string"},
      {r + "6:nodes639:" + "n".repeat(39) + end, "r.nodes6: 39 bytes, not a multiple of 38"},
      {r + "5:nodes858:" + "n".repeat(858) + end, "r.nodes: 33 nodes, more than 32"},
      {r + "6:values5:abcde" + end, "r.values: a STRING, expected a list"},
      {r + "6:valuesl5:abcdee" + end, "r.values[0]: 5 bytes, expected 6 or 18"},
      {r + "6:valuesli1ee" + end, "r.values[0]: a INTEGER, expected a string"},
      {r + "5:token65:" + "x".repeat(65) + end, "r.token: 65 bytes, longer than 64"},
      {"d2:ip5:abcde1:rd2:id" + id20('x') + end, "ip: 5 bytes, expected 6 or 18"},
      {"d1:e3:abc1:t2:aa1:y1:ee", "e: a STRING, expected a list"},
      {"d1:ele1:t2:aa1:y1:ee", "e[0]: missing or not an integer"},
    };
    for (String[] c : cases) {
      KrpcException e = fails(b(c[0]));
      assertThat(e).as(c[0]).isNotNull();
      assertThat(e.getMessage()).as(c[0]).isEqualTo(c[1]);
      assertThat(e.answerable()).as(c[0]).isFalse();
    }
  }

  @Test
  void aHugeValuesListIsRejectedByTheCaps() {
    StringBuilder s = new StringBuilder("d1:rd2:id" + id20('x') + "6:valuesl");
    for (int i = 0; i < 201; i++) {
      s.append("6:abcdef");
    }
    s.append("ee1:t2:aa1:y1:re");
    assertThat(fails(b(s.toString())).getMessage())
        .isEqualTo("r.values: 201 entries, more than 200");
    StringBuilder tooMany = new StringBuilder("d1:rd2:id" + id20('x') + "6:valuesl");
    for (int i = 0; i < 700; i++) {
      tooMany.append("0:");
    }
    tooMany.append("ee1:t2:aa1:y1:re");
    assertThat(fails(b(tooMany.toString())).getMessage())
        .startsWith("not bencode: more values than the limit of 600");
  }

  @Test
  void deepNestingAndValueBombsAreRejectedByTheDecoderLimits() {
    assertThat(fails(b("d1:ad1:xllllleeeeee1:t2:aa1:y1:qe")).getMessage())
        .startsWith("not bencode");
    assertThat(fails(b("d1:t99999999:aa1:y1:re")).getMessage()).startsWith("not bencode");
  }

  @Test
  void randomGarbageNeverThrowsAnythingButKrpcException() {
    java.util.Random r = new java.util.Random(7);
    byte[] valid =
        KrpcCodec.encode(
            new KrpcMessage.Response(
                T,
                A,
                List.of(),
                List.of(),
                List.of(PeerAddress.of("127.0.0.1", 80)),
                b("tok"),
                null,
                null));
    List<byte[]> inputs = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      byte[] m = valid.clone();
      int flips = 1 + r.nextInt(4);
      for (int f = 0; f < flips; f++) {
        m[r.nextInt(m.length)] = (byte) r.nextInt(256);
      }
      inputs.add(m);
      inputs.add(java.util.Arrays.copyOf(valid, r.nextInt(valid.length)));
    }
    for (byte[] in : inputs) {
      try {
        KrpcCodec.decode(in);
      } catch (KrpcException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
  }
}
