package org.gapscope.api;

/**
 * What to tell a user who asks for a backend this build does not contain: registered through
 * {@link java.util.ServiceLoader} like a {@link Backend}, by whoever knows how to get that backend, so
 * that {@link Backends} and the CLI name no backend themselves.
 */
public interface BackendHint {

    /** The backend's name as {@code --backend} takes it. */
    String name();

    /** How to get the backend, in a sentence or two (shown after "This build has no NAME backend."). */
    String advice();

    /** The same in a few words, for a table cell. */
    String summary();
}
