/**
 * Download policy, the users' playground: which blocks to request ({@link io.btlib.policy.PiecePicker}),
 * whom to upload to ({@link io.btlib.policy.Choker}) and which known peers to dial ({@link
 * io.btlib.policy.PeerSelector}). Each is a small interface that receives a read-only view with the
 * figures it needs precomputed and returns decisions; the defaults are in {@link
 * io.btlib.policy.PiecePickers}, {@link io.btlib.policy.Chokers} and {@link io.btlib.policy.PeerSelectors}.
 *
 * <p>Policies run on the engine's event loop: they must be fast, must not block, must not throw
 * and must not call back into the client. Views are valid only during the call.
 */
package io.btlib.policy;
