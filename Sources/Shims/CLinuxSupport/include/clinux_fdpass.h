/*
 * Passing file descriptors over Unix sockets (SCM_RIGHTS) and reading a
 * peer's credentials (SO_PEERCRED): the CMSG_* macros and struct ucred do
 * not import into Swift.
 */
#ifndef VALED_CLINUX_FDPASS_H
#define VALED_CLINUX_FDPASS_H
#include <stddef.h>
#include <sys/types.h>

/* sendmsg(2) of `len` bytes with `fd` in one SCM_RIGHTS control message;
 * no control message when fd < 0. MSG_NOSIGNAL. Returns bytes sent or -1. */
ssize_t clinux_send_with_fd(int sock, const void *buf, size_t len, int fd);

/* recvmsg(2) of up to `len` bytes; a descriptor that came along in an
 * SCM_RIGHTS message is stored in *fd (received with MSG_CMSG_CLOEXEC),
 * else *fd = -1. Extra descriptors beyond the first are closed. Returns
 * bytes received or -1. */
ssize_t clinux_recv_with_fd(int sock, void *buf, size_t len, int *fd);

/* getsockopt(SOL_SOCKET, SO_PEERCRED): the peer's pid, uid and gid at
 * connect time. Returns 0 or -1. */
int clinux_peer_credentials(int sock, int *pid, unsigned int *uid, unsigned int *gid);

/* accept4(2) with SOCK_CLOEXEC (glibc declares accept4 only under _GNU_SOURCE). */
int clinux_accept_cloexec(int sock);

/* fcntl(fd, F_DUPFD_CLOEXEC, 0): a close-on-exec duplicate (fcntl is variadic). */
int clinux_dup_cloexec(int fd);

#endif
