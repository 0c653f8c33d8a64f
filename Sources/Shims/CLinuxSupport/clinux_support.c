#include "clinux_support.h"
#include <sys/ioctl.h>

int clinux_ioctl_ptr(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}

int clinux_ioctl_int(int fd, unsigned long request, int argument) {
    return ioctl(fd, request, argument);
}
