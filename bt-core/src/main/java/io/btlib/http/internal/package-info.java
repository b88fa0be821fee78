/** The built-in HTTP transports and what they share. Internal, not API. */
package io.btlib.http.internal;
