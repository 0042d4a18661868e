/** The fast path cannot read this row group (the caller falls back to hyparquet, which writes the same bytes or reports the error). */
export class Unsupported extends Error {}

/** Reading the file's bytes failed (the network, a truncated file): no fallback, the error is the file's. */
export class ReadFailure extends Error {
  constructor(readonly error: unknown) {
    super((error as Error)?.message ?? String(error));
  }
}
