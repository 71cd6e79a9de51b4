package dev.rnn4j.serve;

/**
 * An HTTP error with the JSON body {@code {"error": {"code": ..., "message": ...}}}: thrown by request handling and
 * turned into the response by {@link Server}.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final int status;
  final String code;
  final Integer retryAfterSeconds;

  ApiError(int status, String code, String message) {
    this(status, code, message, null);
  }

  ApiError(int status, String code, String message, Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }

  static ApiError unprocessable(String code, String message) {
    return new ApiError(422, code, message);
  }
}
