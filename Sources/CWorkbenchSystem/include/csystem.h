#ifndef WORKBENCH_CSYSTEM_H
#define WORKBENCH_CSYSTEM_H

/// Atomically swaps two paths (Linux renameat2 RENAME_EXCHANGE). Returns 0, or -1 with errno set
/// (ENOSYS/EINVAL where the kernel or file system cannot do it).
int wb_rename_exchange(const char *first, const char *second);

/// 1 when the CPU runs AVX2 and FMA instructions (x86-64), else 0. The learning library is compiled
/// for them on x86-64 unless built with WORKBENCH_PORTABLE=1.
int wb_cpu_has_avx2_fma(void);

#endif
