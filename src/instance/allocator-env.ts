// glibc raises its mmap threshold after a large block is freed, so the 16 MB buffers WAL archiving
// reads and frees come from the heap afterwards and stay resident: a manager archiving to S3 held
// 82-105 MiB instead of 74-82 (bench/metrics). A fixed threshold gives them back. Platforms start
// managers with it; PostgreSQL keeps glibc's adaptive default.
export const MANAGER_ALLOCATOR_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/** glibc read the setting when this process started; the processes it starts do not inherit it. */
export function keepAllocatorEnvFromChildren(): void {
  for (const name of Object.keys(MANAGER_ALLOCATOR_ENV)) delete process.env[name];
}
