package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A peer that is unchoked and asks nothing collects strikes; each one in a row doubles the rounds
 * until its next trial, an accepted request forgives them, and what is cheap for a peer to send (a
 * repeated "interested") does not end its idle mark.
 */
class IdleStrikesTest {
  private static PeerState interestedPeer() {
    PeerState p = new PeerState(0);
    p.interested(true);
    return p;
  }

  @Test
  void eachWastedTurnInARowDoublesTheRoundsUntilTheNextTrial() {
    PeerState p = interestedPeer();
    long round = 10;
    for (long wait : new long[] {1, 2, 4, 8, 8, 8}) {
      p.idled(round);
      assertThat(p.isIdle()).isTrue();
      assertThat(p.trialDue(round + wait - 1)).as("strike %d", p.idleStrikes()).isFalse();
      assertThat(p.trialDue(round + wait)).as("strike %d", p.idleStrikes()).isTrue();
      round += wait;
    }
    assertThat(p.idleStrikes()).isEqualTo(6);
  }

  @Test
  void anAcceptedRequestForgivesTheStrikes() {
    PeerState p = interestedPeer();
    p.idled(0);
    p.idled(1);
    p.idled(3);
    p.requested();
    assertThat(p.isIdle()).isFalse();
    assertThat(p.idleStrikes()).isZero();
    p.idled(7);
    assertThat(p.trialDue(8)).as("one round again, as after a first strike").isTrue();
  }

  @Test
  void aRepeatedInterestedEndsNoMarkButAFreshOneDoes() {
    PeerState p = interestedPeer();
    p.idled(0);
    p.interested(true); // repeated: it never said otherwise
    assertThat(p.isIdle()).isTrue();
    p.interested(false);
    p.interested(true);
    assertThat(p.isIdle()).isFalse();
    assertThat(p.idleStrikes()).as("only a request forgives").isEqualTo(1);
  }

  @Test
  void aTrialIsNotATurnUnlessItFails() {
    PeerState p = interestedPeer();
    assertThat(p.tried()).isFalse();
    p.trialAt(5);
    assertThat(p.onTrial()).isTrue();
    assertThat(p.isChokedByUs()).isFalse();
    assertThat(p.tried()).isTrue();
    assertThat(p.lastUnchokedNanos()).as("its place in the line").isEqualTo(Long.MIN_VALUE);
    p.trialPassed();
    assertThat(p.onTrial()).isFalse();
    assertThat(p.takeTrialPassed()).isTrue();
    assertThat(p.takeTrialPassed()).isFalse();

    PeerState failed = interestedPeer();
    failed.trialAt(5);
    failed.trialFailed(1_005, 3);
    assertThat(failed.onTrial()).isFalse();
    assertThat(failed.isChokedByUs()).isTrue();
    assertThat(failed.takeTrialPassed()).isFalse();
    assertThat(failed.lastUnchokedNanos()).as("it had its turn").isEqualTo(1_005);
    assertThat(failed.idleStrikes()).isEqualTo(1);
    assertThat(failed.trialDue(3)).isFalse();
    assertThat(failed.trialDue(4)).isTrue();
  }
}
