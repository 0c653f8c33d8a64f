#include "netmap_abi.h"
#include <sys/ioctl.h>

int cnetmap_ioctl(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}
