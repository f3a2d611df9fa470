package io.keel.websocket.http;

/** A request that must be answered with an HTTP error status (400, 405, 431...) and {@code Connection: close}. */
public final class HttpParseException extends Exception {
    private final int status;

    /**
     * @param status the HTTP status to answer with (400, 405, 431...)
     * @param message what was wrong, for the response body and logs (no stack trace is captured: a bad request
     *     is no program error)
     */
    public HttpParseException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The HTTP status to answer with. */
    public int status() {
        return status;
    }

    /** The ready-to-send error response. */
    public byte[] response() {
        return HttpResponses.error(status, getMessage());
    }
}
