/** Implementation of io.btlib.storage. Internal, not API. */
package io.btlib.storage.internal;
