#include <libkmod.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

/*
 * glibc wraps neither finit_module(2) nor delete_module(2), and Swift
 * cannot call the variadic syscall(2); these two non-variadic wrappers are
 * what ValeModules' live seam calls. Both return 0 or -errno.
 */
static inline int valed_finit_module(int fd, const char *options, int flags) {
    long rc = syscall(SYS_finit_module, fd, options, flags);
    return rc < 0 ? -errno : 0;
}

static inline int valed_delete_module(const char *name, unsigned int flags) {
    long rc = syscall(SYS_delete_module, name, flags);
    return rc < 0 ? -errno : 0;
}
