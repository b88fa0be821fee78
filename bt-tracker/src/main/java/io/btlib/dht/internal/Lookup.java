package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The state of one iterative Kademlia lookup (find_node or get_peers) for a target: the candidates
 * ordered by distance, which were asked, which answered. It keeps {@link #ALPHA} queries in flight
 * and finishes when the {@link RoutingTable#K} closest nodes that did not fail have all answered,
 * or nothing is left to ask. Sans-I/O: the engine asks {@link #nextToQuery()} and reports answers
 * and failures. Not thread-safe.
 */
public final class Lookup {
  /** Queries in flight at once. */
  public static final int ALPHA = 3;

  /** Candidates remembered at most; farther ones not yet asked are forgotten. */
  public static final int MAX_CANDIDATES = 64;

  /** Queries one lookup sends at most, so no network can keep it running forever. */
  public static final int MAX_QUERIES = 128;

  /** Peers collected at most by a get_peers lookup. */
  public static final int MAX_VALUES = 1000;

  enum State {
    FRESH,
    PENDING,
    ANSWERED,
    FAILED
  }

  /** One candidate node. */
  public static final class Candidate {
    final NodeInfo info;
    /** Round trips from us: 1 for a node we knew, n + 1 for one a node at n told us of. */
    final int hops;
    State state = State.FRESH;
    byte[] token;

    Candidate(NodeInfo info, int hops) {
      this.info = info;
      this.hops = hops;
    }

    /** The node. */
    public NodeInfo info() {
      return info;
    }

    /** The announce token it gave, or null. */
    public byte[] token() {
      return token;
    }
  }

  private final NodeId target;
  private final boolean getPeers;
  private final TreeMap<NodeId, Candidate> candidates;
  private final Deque<InetSocketAddress> unknown = new ArrayDeque<>();
  private final Set<InetSocketAddress> seenAddresses = new java.util.HashSet<>();
  private final Set<PeerAddress> values = new LinkedHashSet<>();
  private int pending;
  private int answered;
  private int queried;

  /** A lookup for {@code target}, with get_peers queries if {@code getPeers}. */
  public Lookup(NodeId target, boolean getPeers) {
    this.target = target;
    this.getPeers = getPeers;
    this.candidates = new TreeMap<>(target::compareDistance);
  }

  /** The target. */
  public NodeId target() {
    return target;
  }

  /** Whether this lookup sends get_peers (else find_node). */
  public boolean isGetPeers() {
    return getPeers;
  }

  /** Adds a node whose id is not known yet (a bootstrap address); asked first. */
  public void addUnknown(InetSocketAddress address) {
    if (seenAddresses.add(address)) {
      unknown.add(address);
    }
  }

  /** Adds candidates from the routing table (one hop away). */
  public void addCandidates(List<NodeInfo> nodes, NodeId self) {
    addCandidates(nodes, self, 1);
  }

  private void addCandidates(List<NodeInfo> nodes, NodeId self, int hops) {
    for (NodeInfo n : nodes) {
      if (n.id().equals(self) || candidates.containsKey(n.id())) {
        continue;
      }
      if (!seenAddresses.add(n.address())) {
        continue;
      }
      candidates.put(n.id(), new Candidate(n, hops));
      if (candidates.size() > MAX_CANDIDATES) {
        Map.Entry<NodeId, Candidate> last = candidates.lastEntry();
        if (last.getValue().state == State.FRESH) {
          candidates.remove(last.getKey());
        }
      }
    }
  }

  /**
   * The next addresses to ask now, keeping {@link #ALPHA} in flight; each returned target is
   * counted as pending. A {@link NodeInfo} for known nodes, an address for unknown ones.
   */
  public List<Object> nextToQuery() {
    List<Object> out = new ArrayList<>();
    while (pending < ALPHA && !unknown.isEmpty() && queried < MAX_QUERIES) {
      out.add(unknown.poll());
      pending++;
      queried++;
    }
    if (pending >= ALPHA) {
      return out;
    }
    int considered = 0;
    for (Candidate c : candidates.values()) {
      if (pending >= ALPHA || considered >= RoutingTable.K || queried >= MAX_QUERIES) {
        break;
      }
      if (c.state == State.FAILED) {
        continue;
      }
      considered++;
      if (c.state == State.FRESH) {
        c.state = State.PENDING;
        pending++;
        queried++;
        out.add(c.info);
      }
    }
    return out;
  }

  /**
   * Records an answer with what it returned. {@code asked} is the id we expected at that address
   * (null for a bootstrap address); if another id answered, the node asked counts as failed and the
   * one that answered is recorded instead.
   */
  public void answered(
      NodeId asked,
      NodeInfo from,
      List<NodeInfo> nodes,
      List<PeerAddress> peers,
      byte[] token,
      NodeId self) {
    pending--;
    answered++;
    if (asked != null && !asked.equals(from.id())) {
      Candidate gone = candidates.get(asked);
      if (gone != null) {
        gone.state = State.FAILED;
      }
    }
    Candidate c = candidates.get(from.id());
    if (c == null && !from.id().equals(self)) {
      c = new Candidate(from, 1); // a bootstrap address, or a node that changed its id
      candidates.put(from.id(), c);
    }
    int hops = 1;
    if (c != null) {
      c.state = State.ANSWERED;
      c.token = token;
      hops = c.hops;
    }
    for (PeerAddress p : peers) {
      if (values.size() < MAX_VALUES) {
        values.add(p);
      }
    }
    addCandidates(nodes, self, hops + 1);
  }

  /** Records that a known node did not answer (or answered with an error). */
  public void failed(NodeId id) {
    pending--;
    Candidate c = candidates.get(id);
    if (c != null) {
      c.state = State.FAILED;
    }
  }

  /** Records that an unknown (bootstrap) address did not answer. */
  public void failedUnknown() {
    pending--;
  }

  /** Whether the lookup is over. */
  public boolean isDone() {
    if (pending > 0) {
      return false;
    }
    if (queried >= MAX_QUERIES) {
      return true;
    }
    if (!unknown.isEmpty()) {
      return false;
    }
    int considered = 0;
    for (Candidate c : candidates.values()) {
      if (considered >= RoutingTable.K) {
        break;
      }
      if (c.state == State.FAILED) {
        continue;
      }
      considered++;
      if (c.state != State.ANSWERED) {
        return false;
      }
    }
    return true;
  }

  /** The peers collected (get_peers). */
  public List<PeerAddress> values() {
    return List.copyOf(values);
  }

  /** How many nodes answered. */
  public int answeredCount() {
    return answered;
  }

  /** How many queries the lookup sent. */
  public int queriedCount() {
    return queried;
  }

  /**
   * The rounds of the iterative lookup to its result: the hop count of the closest node that
   * answered (1 if it was in our routing table, n + 1 if a node n hops away named it), or 0 if
   * none answered. A Kademlia lookup should need O(log n) of them in a network of n nodes.
   */
  public int hops() {
    for (Candidate c : candidates.values()) {
      if (c.state == State.ANSWERED) {
        return c.hops;
      }
    }
    return 0;
  }

  /** Up to k closest nodes that answered, closest first. */
  public List<Candidate> closestAnswered() {
    List<Candidate> out = new ArrayList<>();
    for (Candidate c : candidates.values()) {
      if (c.state == State.ANSWERED) {
        out.add(c);
        if (out.size() == RoutingTable.K) {
          break;
        }
      }
    }
    return out;
  }
}
