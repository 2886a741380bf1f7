// The API's one error type, kept free of I/O so pure parsers (time ranges, parameters) can be used
// by the dashboard's client components too.

/** Thrown for bad input; becomes a 400 (or the given status) with `{ error }`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
