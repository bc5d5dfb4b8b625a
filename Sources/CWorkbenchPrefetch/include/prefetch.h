#ifndef WORKBENCH_PREFETCH_H
#define WORKBENCH_PREFETCH_H

/// Asks the CPU to start loading the cache line at `address` (for reading, kept in all levels).
/// Swift has no prefetch of its own; boosting's histogram loop reads rows scattered over tables
/// larger than the caches, and a plain early load would hold up the instructions behind it.
static inline void wb_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
