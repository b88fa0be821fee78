package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A peer on a raw socket that a test drives message by message (plaintext, fast extension only):
 * what the bt client sends is read on a daemon thread into a queue.
 */
final class RawPeer implements AutoCloseable {
  static final int CHOKE = 0;
  static final int UNCHOKE = 1;
  static final int INTERESTED = 2;
  static final int REQUEST = 6;
  static final int PIECE = 7;
  static final int CANCEL = 8;
  static final int HAVE_ALL = 0x0E;
  static final int REJECT = 0x10;

  /** A message from the client: its id and, for request, cancel, reject and piece, the block. */
  record Msg(int id, int piece, int offset, int length) {
    long key() {
      return (long) piece << 32 | offset;
    }
  }

  final BlockingQueue<Msg> in = new LinkedBlockingQueue<>();
  private final Socket s;
  private final DataOutputStream out;

  /** Shakes hands for {@code m} on {@code s}: ours first, then reads the client's. */
  RawPeer(Socket s, Metainfo m) throws IOException {
    this.s = s;
    s.setSoTimeout(20_000);
    out = new DataOutputStream(s.getOutputStream());
    out.writeByte(19);
    out.write("BitTorrent protocol".getBytes(StandardCharsets.US_ASCII));
    out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 0x04}); // fast extension only
    out.write(m.infoHashes().v1().orElseThrow().bytes());
    out.write("-XX0001-rawpeer-test".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    DataInputStream din = new DataInputStream(s.getInputStream());
    din.readFully(new byte[68]);
    Thread reader = new Thread(() -> read(din), "raw-peer-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Dials the client at {@code at}. */
  static RawPeer connect(InetSocketAddress at, Metainfo m) throws IOException {
    return new RawPeer(new Socket(at.getAddress(), at.getPort()), m);
  }

  private void read(DataInputStream din) {
    try {
      while (true) {
        int len = din.readInt();
        if (len == 0) {
          continue;
        }
        byte[] body = new byte[len];
        din.readFully(body);
        ByteBuffer b = ByteBuffer.wrap(body);
        int id = b.get();
        in.add(len >= 13 ? new Msg(id, b.getInt(), b.getInt(), id == PIECE ? len - 9 : b.getInt())
            : new Msg(id, 0, 0, 0));
      }
    } catch (IOException e) {
      // the client closed
    }
  }

  synchronized void send(int id, int... ints) throws IOException {
    out.writeInt(1 + 4 * ints.length);
    out.writeByte(id);
    for (int i : ints) {
      out.writeInt(i);
    }
    out.flush();
  }

  synchronized void sendBlock(int piece, int offset, byte[] data, int from, int length)
      throws IOException {
    out.writeInt(9 + length);
    out.writeByte(PIECE);
    out.writeInt(piece);
    out.writeInt(offset);
    out.write(data, from, length);
    out.flush();
  }

  /** The next message with id {@code id}, the others before it skipped; fails after 20 s. */
  Msg next(int id) throws InterruptedException {
    while (true) {
      Msg msg = in.poll(20, TimeUnit.SECONDS);
      assertThat(msg).as("waiting for a message %d", id).isNotNull();
      if (msg.id() == id) {
        return msg;
      }
    }
  }

  @Override
  public void close() throws IOException {
    s.close();
  }
}
