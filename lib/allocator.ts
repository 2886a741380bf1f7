// glibc malloc settings for the Eventscope process, set by package.json's start, dev and collector
// scripts (glibc reads them once, when the process starts, so they cannot be set from inside) and by
// the bench for its children. A value already in the environment wins.
//
// Why: glibc raises its mmap threshold each time it frees a mapped block, up to 32 MiB. The batch
// buffers (~20 MB per 20,000 spans) and the engine's blocks then come from the heap, which
// fragments and keeps what it once held. A fixed 1 MiB threshold keeps large blocks mapped, so they
// go back to the system when freed; the trim threshold returns the heap's free top sooner. Measured
// under a 2× overload for 60 s (docs/benchmarks.md): peak RSS 934–1,036 MiB against 1,136–1,172, and
// no loss of ingest rate.
// Other allocators ignore these variables (macOS, musl).
export const ALLOCATOR_ENV = {
  MALLOC_MMAP_THRESHOLD_: '1048576',
  MALLOC_TRIM_THRESHOLD_: '4194304',
} as const;

/** `env` with ALLOCATOR_ENV's values where it has none of its own. */
export function withAllocatorEnv<E extends Record<string, string | undefined>>(env: E): E {
  const out: Record<string, string | undefined> = { ...env };
  for (const [k, v] of Object.entries(ALLOCATOR_ENV)) out[k] ??= v;
  return out as E;
}
