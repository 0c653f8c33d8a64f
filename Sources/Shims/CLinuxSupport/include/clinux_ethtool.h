/*
 * SIOCETHTOOL requests that ethtool's generic netlink family does not cover
 * (driver information), wrapped because struct ifreq is a union Swift
 * handles poorly and ioctl(2) is variadic.
 */
#ifndef VALED_CLINUX_ETHTOOL_H
#define VALED_CLINUX_ETHTOOL_H
#include <stddef.h>

/* ETHTOOL_GDRVINFO on `ifname` through the socket `fd`. Copies the
 * NUL-terminated driver name, version, firmware version and bus address
 * into the caller's buffers. Returns 0, or -1 with errno set. */
int clinux_ethtool_drvinfo(int fd, const char *ifname,
                           char *driver, size_t driver_len,
                           char *version, size_t version_len,
                           char *firmware, size_t firmware_len,
                           char *bus, size_t bus_len);

#endif
