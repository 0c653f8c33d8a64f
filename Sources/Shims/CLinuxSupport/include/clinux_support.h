/*
 * Small wrappers for Linux calls that Swift cannot import directly:
 * variadic functions (ioctl, fcntl) and function-like macros (CMSG_*).
 */
#ifndef VALED_CLINUX_SUPPORT_H
#define VALED_CLINUX_SUPPORT_H
#include <stddef.h>
#include <sys/types.h>

int clinux_ioctl_ptr(int fd, unsigned long request, void *argument);
int clinux_ioctl_int(int fd, unsigned long request, int argument);

/* setns(2) for network namespaces; glibc declares it only under _GNU_SOURCE. */
int clinux_setns_net(int fd);

#endif
