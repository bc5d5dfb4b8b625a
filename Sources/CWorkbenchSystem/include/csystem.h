#ifndef WORKBENCH_CSYSTEM_H
#define WORKBENCH_CSYSTEM_H

/// Atomically swaps two paths (Linux renameat2 RENAME_EXCHANGE). Returns 0, or -1 with errno set
/// (ENOSYS/EINVAL where the kernel or file system cannot do it).
int wb_rename_exchange(const char *first, const char *second);

/// 1 when the CPU runs AVX2 and FMA instructions (x86-64), else 0. The learning library is compiled
/// for them on x86-64 unless built with WORKBENCH_PORTABLE=1.
int wb_cpu_has_avx2_fma(void);

/// glibc only (elsewhere nothing): keeps memory a session frees for its next tables instead of
/// handing it back at once. Blocks under 32 MiB come from the heap rather than from fresh mappings,
/// and up to 1 GiB free at the heap's top stays there, so a filter's or a derive's new columns reuse
/// pages the load or the previous result already touched instead of faulting in new ones.
void wb_keep_freed_memory(void);

#endif
