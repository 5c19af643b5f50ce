package org.gapscope.api;

/**
 * A problem with what the user gave (a file, a shape, a flag). The CLI prints its message as one line
 * and exits non-zero; everything else that goes wrong is a bug and shows a stack trace with --debug.
 * Messages name the input and say what is wrong with it.
 */
public class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
