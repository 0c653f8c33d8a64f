#ifndef CMALLOCCOUNTER_H
#define CMALLOCCOUNTER_H

/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc,
/// memalign) made by the whole process since it started. The counting
/// versions of those functions are defined in this target; linked into an
/// executable they interpose glibc's for every library in the process.
unsigned long malloc_counter_allocations(void);

#endif
