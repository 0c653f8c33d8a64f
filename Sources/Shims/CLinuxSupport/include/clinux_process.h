/*
 * Starting and watching a detached process (valed's forwarder, vale-switchd):
 * posix_spawn's POSIX_SPAWN_SETSID and closefrom file action are GNU
 * extensions, and pidfd_open(2) has no glibc wrapper (syscall(2) is variadic).
 */
#ifndef VALED_CLINUX_PROCESS_H
#define VALED_CLINUX_PROCESS_H
#include <sys/types.h>

/* posix_spawn(3) of `path` with `argv` and `envp` (NULL-terminated) in a
 * session of its own (POSIX_SPAWN_SETSID), every signal at its default
 * action and none blocked, stdin from /dev/null, stdout and stderr onto
 * `output` (or /dev/null when output < 0), every other descriptor closed.
 * Returns 0 and the pid in *pid, or an errno value. */
int clinux_spawn_detached(const char *path, char *const argv[], char *const envp[], int output, pid_t *pid);

/* pidfd_open(2): a descriptor that polls readable once `pid` has exited.
 * Returns the descriptor (close-on-exec) or -1 with errno. */
int clinux_pidfd_open(pid_t pid);

#endif
