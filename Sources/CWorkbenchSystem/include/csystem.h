#ifndef WORKBENCH_CSYSTEM_H
#define WORKBENCH_CSYSTEM_H

/// Atomically swaps two paths (Linux renameat2 RENAME_EXCHANGE). Returns 0, or -1 with errno set
/// (ENOSYS/EINVAL where the kernel or file system cannot do it).
int wb_rename_exchange(const char *first, const char *second);

#endif
