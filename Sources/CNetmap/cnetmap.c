#include "netmap_abi.h"
#include <stddef.h>
#include <sys/ioctl.h>

int cnetmap_ioctl(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}

long cnetmap_offsetof_netmap_if_ring_ofs(void) { return (long)offsetof(struct netmap_if, ring_ofs); }
long cnetmap_offsetof_netmap_ring_sem(void) { return (long)offsetof(struct netmap_ring, sem); }
long cnetmap_offsetof_netmap_ring_slot(void) { return (long)offsetof(struct netmap_ring, slot); }
long cnetmap_alignof_netmap_ring(void) { return (long)_Alignof(struct netmap_ring); }
long cnetmap_sizeof_netmap_ring(void) { return (long)sizeof(struct netmap_ring); }

#include <string.h>

long cnetmap_offsetof_netmap_ring(const char *field) {
#define FIELD(f) if (strcmp(field, #f) == 0) return (long)offsetof(struct netmap_ring, f);
    FIELD(buf_ofs) FIELD(num_slots) FIELD(nr_buf_size) FIELD(ringid) FIELD(dir)
    FIELD(head) FIELD(cur) FIELD(tail) FIELD(flags) FIELD(ts) FIELD(offset_mask)
    FIELD(buf_align) FIELD(sem) FIELD(slot)
#undef FIELD
    return -1;
}

/* Compile-time guard: a wrong declaration fails the build, not only the tests. */
_Static_assert(sizeof(struct nmreq_header) == 88, "nmreq_header");
_Static_assert(sizeof(struct nmreq_register) == 56, "nmreq_register");
_Static_assert(sizeof(struct nmreq_vale_attach) == 64, "nmreq_vale_attach");
_Static_assert(sizeof(struct netmap_ring) == 256, "netmap_ring");
_Static_assert(_Alignof(struct netmap_ring) == 128, "netmap_ring alignment");
