/** Implementation of bt.storage. Internal, not API. */
package bt.storage.internal;
