#define _GNU_SOURCE
#include "clinux_support.h"
#include <sys/ioctl.h>
#include <sched.h>

int clinux_ioctl_ptr(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}

int clinux_ioctl_int(int fd, unsigned long request, int argument) {
    return ioctl(fd, request, argument);
}

int clinux_setns_net(int fd) {
    return setns(fd, CLONE_NEWNET);
}
